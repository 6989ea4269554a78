import { bucketOf, compileFlag, type Flag, TOTAL_BUCKETS } from '@prompt-canary/rules';
import { afterEach, describe, expect, it } from 'vitest';
import { PACK, startRollout } from '../ingest/testing/live-rollout.js';
import { keyValues, otlpTraces, type TestSpan } from '../ingest/testing/otlp-json.js';
import { createTestDaemon, type TestDaemon } from '../testing/test-daemon.js';

const daemons: TestDaemon[] = [];
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.close();
});

/** Spans of 200 sessions from one app instance, as its provider stamps them; `serve` picks the variant. */
async function traffic(
  d: TestDaemon,
  instance: string,
  serve: (assigned: string | undefined) => string,
): Promise<void> {
  const config = (await (await d.request('/api/v1/config', { as: 'evaluate' })).json()) as {
    revision: number;
    flags: Record<string, Flag>;
  };
  const flag = compileFlag(config.flags[PACK] as Flag);
  const spans: TestSpan[] = Array.from({ length: 200 }, (_, i) => {
    const unit = `${instance}-session-${i}`;
    const assigned = flag.evaluate({ targetingKey: unit }, d.clock.now());
    return {
      endMs: d.clock.now() + 5,
      durationMs: 5,
      attributes: {
        'feature_flag.key': PACK,
        'feature_flag.result.variant': serve(assigned.variant),
        'feature_flag.result.reason': 'SPLIT',
        'feature_flag.version': String(config.revision),
        'promptcanary.bucket': bucketOf(`${PACK}${unit}`, TOTAL_BUCKETS),
      },
    };
  });
  const body = otlpTraces(spans);
  for (const resource of body.resourceSpans) {
    resource.resource.attributes = keyValues({
      'service.name': 'support-agent',
      'service.instance.id': instance,
    });
  }
  expect((await d.request('/v1/traces', { method: 'POST', as: 'ingest', json: body })).status).toBe(200);
}

describe('served versus assigned', () => {
  it('pauses the rollout naming the app instance that serves the canary to everyone, with its rate', async () => {
    const d = createTestDaemon({}, undefined, { startController: false });
    daemons.push(d);
    const id = await startRollout(d, { analysis: { interval: '1m', metrics: [] } });
    await traffic(d, 'faithful', (assigned) => assigned ?? '2.3.1');
    await traffic(d, 'hard-coded', () => '2.4.0');

    const analysis = await (await d.request(`/api/v1/rollouts/${id}/analysis`, { as: 'read' })).json();
    expect(analysis.assignments.result).toBe('Fail');
    expect(analysis.assignments.mismatched.map((m: { instance: string }) => m.instance)).toEqual([
      'hard-coded',
    ]);
    expect(analysis.assignments.mismatched[0].rate).toBeGreaterThan(0.8);

    d.clock.advance(60_000);
    d.controller.tick();
    const rollout = await (await d.request(`/api/v1/rollouts/${id}`, { as: 'read' })).json();
    expect(rollout.phase).toBe('Paused');
    expect(rollout.reason).toMatch(
      /^AssignmentMismatch: assignment mismatch: app instance hard-coded served \d+\.\d% of 200 split-assigned requests/,
    );
  });

  it('leaves a rollout whose instances serve what the split assigns alone', async () => {
    const d = createTestDaemon({}, undefined, { startController: false });
    daemons.push(d);
    const id = await startRollout(d, { analysis: { interval: '1m', metrics: [] } });
    await traffic(d, 'a', (assigned) => assigned ?? '2.3.1');
    await traffic(d, 'b', (assigned) => assigned ?? '2.3.1');
    const analysis = await (await d.request(`/api/v1/rollouts/${id}/analysis`, { as: 'read' })).json();
    expect(analysis.assignments).toMatchObject({ result: 'Pass', mismatched: [] });
    d.clock.advance(60_000);
    d.controller.tick();
    expect((await (await d.request(`/api/v1/rollouts/${id}`, { as: 'read' })).json()).phase).toBe(
      'Progressing',
    );
  });
});
