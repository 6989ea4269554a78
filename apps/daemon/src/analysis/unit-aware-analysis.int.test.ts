import { afterEach, describe, expect, it } from 'vitest';
import { PACK, startRollout } from '../ingest/testing/live-rollout.js';
import { flagAttributes, otlpTraces, type TestSpan } from '../ingest/testing/otlp-json.js';
import { createTestDaemon, type TestDaemon } from '../testing/test-daemon.js';

const daemons: TestDaemon[] = [];
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.close();
});

const ANALYSIS = {
  interval: '1m',
  minSamples: 50,
  metrics: [{ name: 'success_rate', threshold: '90%', comparison: '>=' }],
};

/**
 * `units` sessions of `variant`, `turns` requests each, all successful; every span carries its unit as
 * `feature_flag.context.id` unless `withUnit` is false.
 */
function sessions(
  d: TestDaemon,
  variant: string,
  prefix: string,
  units: number,
  turns: number,
  withUnit = true,
) {
  const out: TestSpan[] = [];
  for (let u = 0; u < units; u++) {
    for (let t = 0; t < turns; t++) {
      out.push({
        endMs: d.clock.now() + 1000 + out.length,
        durationMs: 400,
        attributes: {
          ...flagAttributes(PACK, variant, 'split'),
          ...(withUnit ? { 'feature_flag.context.id': `${prefix}${u}` } : {}),
        },
      });
    }
  }
  return out;
}

async function post(d: TestDaemon, batch: TestSpan[]) {
  for (let i = 0; i < batch.length; i += 500) {
    const res = await d.request('/v1/traces', {
      method: 'POST',
      as: 'ingest',
      json: otlpTraces(batch.slice(i, i + 500)),
    });
    expect(res.status).toBe(200);
  }
}

async function analysis(d: TestDaemon, id: string) {
  const res = await d.request(`/api/v1/rollouts/${id}/analysis`, { as: 'read' });
  expect(res.status).toBe(200);
  return res.json();
}

describe('analysis on units (feature_flag.context.id)', () => {
  it('counts distinct units for the sample-ratio check and per check, not requests', async () => {
    const d = createTestDaemon({}, undefined, { startController: false });
    daemons.push(d);
    const id = await startRollout(d, { analysis: ANALYSIS });
    // 10% of the units are on the canary, as the split serves; canary units happen to send 12 turns, stable 3.
    await post(d, [...sessions(d, '2.3.1', 's', 450, 3), ...sessions(d, '2.4.0', 'c', 50, 12)]);
    d.clock.advance(30_000);
    const body = await analysis(d, id);
    expect(body.srm.units).toEqual({ stable: 450, canary: 50 });
    expect(body.srm.result).not.toBe('Fail');
    expect(body.srm.observedShare).toBeCloseTo(0.1, 5);
    const check = body.checks.find((c: { metric: string }) => c.metric === 'success_rate');
    expect(check.n).toEqual({ stable: 1350, canary: 600 });
    // HyperLogLog estimates within its stated ±9% (three standard errors would be 27%; these are small sets).
    expect(check.nUnits.stable).toBeGreaterThan(450 * 0.8);
    expect(check.nUnits.stable).toBeLessThan(450 * 1.2);
    // The hard limit says which window it judged: the last interval (1 min), clipped to the step's start.
    expect(Date.parse(check.window.to) - Date.parse(check.window.from)).toBe(30_000);
    expect(check.reason).toContain(`${check.nUnits.canary} units`);
  });

  it('judges a unit that sent many requests as one draw: a 10% unit split whose canary sends 4x the requests passes', async () => {
    const d = createTestDaemon({}, undefined, { startController: false });
    daemons.push(d);
    const id = await startRollout(d, { analysis: ANALYSIS });
    await post(d, [...sessions(d, '2.3.1', 's', 900, 2), ...sessions(d, '2.4.0', 'c', 100, 8)]);
    const body = await analysis(d, id);
    // Requests: 800 of 2,600 on the canary (31%) against 10% expected; units: exactly 10%.
    expect(body.srm.result).toBe('Pass');
    expect(body.srm.units).toEqual({ stable: 900, canary: 100 });
  });

  it('catches a unit split that is off (20% of units on a 10% canary)', async () => {
    const d = createTestDaemon({}, undefined, { startController: false });
    daemons.push(d);
    const id = await startRollout(d, { analysis: ANALYSIS });
    await post(d, [...sessions(d, '2.3.1', 's', 800, 2), ...sessions(d, '2.4.0', 'c', 200, 2)]);
    const body = await analysis(d, id);
    expect(body.srm.result).toBe('Fail');
  });

  it('falls back to requests, and says so, when spans carry no unit', async () => {
    const d = createTestDaemon({}, undefined, { startController: false });
    daemons.push(d);
    const id = await startRollout(d, { analysis: ANALYSIS });
    await post(d, [...sessions(d, '2.3.1', 's', 900, 1, false), ...sessions(d, '2.4.0', 'c', 100, 1, false)]);
    const body = await analysis(d, id);
    expect(body.srm.units).toBeUndefined();
    const check = body.checks.find((c: { metric: string }) => c.metric === 'success_rate');
    expect(check.reason).toContain('unit unknown');
  });

  it('keeps the units it counted across a restart of the daemon', async () => {
    const d = createTestDaemon({}, undefined, { startController: false });
    daemons.push(d);
    const id = await startRollout(d, { analysis: ANALYSIS });
    await post(d, [...sessions(d, '2.3.1', 's', 90, 2), ...sessions(d, '2.4.0', 'c', 10, 2)]);
    await d.close();
    daemons.splice(daemons.indexOf(d), 1);
    const again = createTestDaemon({}, d.clock, { startController: false, db: d.db });
    daemons.push(again);
    expect((await analysis(again, id)).srm.units).toEqual({ stable: 90, canary: 10 });
  });
});
