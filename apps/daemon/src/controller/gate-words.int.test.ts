/**
 * The words of a pack's analysis block, each from YAML through the real ingest, analyzer and controller on a
 * manual clock to the decision it should lead to.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { ManualClock } from '../clock/clock.js';
import { createTestDaemon, type TestBody, type TestDaemon } from '../testing/test-daemon.js';
import { playTraffic, type RequestShape } from './testing/play-traffic.js';

const T0 = Date.parse('2026-01-05T12:00:00.000Z');
const PACK = 'support-prompts';

let daemon: TestDaemon | undefined;
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  await daemon?.close();
  daemon = undefined;
  for (const fn of cleanup.splice(0)) await fn();
});

/** A local webhook receiver recording each delivery's event and body. */
async function hookReceiver(): Promise<{ url: string; received: Array<{ event: string; reason: string }> }> {
  const received: Array<{ event: string; reason: string }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      received.push({ event: body.event, reason: body.reason });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

async function auditActions(d: TestDaemon): Promise<Array<{ action: string; reason: string }>> {
  const audit = await (await d.request(`/api/v1/audit?pack=${PACK}&limit=200`, { as: 'read' })).json();
  return audit.items;
}

async function timelineOf(d: TestDaemon, id: string): Promise<Array<{ reason: string; to: string }>> {
  return (await rolloutOf(d, id)).timeline;
}

/** Errors at `canaryRate` on the canary (from `fromMinute`) and 1% on stable. */
const erroring =
  (canaryRate: number, fromMinute = 0, toMinute = Number.POSITIVE_INFINITY) =>
  (variant: string, r: () => number, minute: number): RequestShape => {
    const bad = variant === '2.0.0' && minute >= fromMinute && minute < toMinute;
    return { durationMs: 900, error: r() < (bad ? canaryRate : 0.01) };
  };

const LONG_STEPS = 'canaryWeight: 50\n    stepWeight: 50\n    stepInterval: 20m';

const TWO_STEPS = 'canaryWeight: 50\n    stepWeight: 50\n    stepInterval: 3m';

/**
 * A pack at `version` with a ramp (default two steps, 50% then 100%), the given analysis YAML (indented 6) and
 * optional extra rollout fields (indented 4).
 */
function packYaml(version: string, analysis: string, ramp = TWO_STEPS, extra = ''): string {
  return `apiVersion: promptcanary.dev/v1alpha1
kind: PromptPack
metadata: { name: ${PACK} }
spec:
  version: "${version}"
  rollout:
    ${ramp}
${extra}    analysis:
      interval: 1m
      minSamples: 50
      maxInconclusive: 30m
${analysis}`;
}

async function startRollout(
  analysis: string,
  ramp?: string,
  extra?: string,
): Promise<{ d: TestDaemon; id: string; body: TestBody }> {
  const d = createTestDaemon({}, new ManualClock(T0));
  daemon = d;
  const yaml = (version: string) => packYaml(version, analysis, ramp, extra);
  const first = await d.request(`/api/v1/packs/${PACK}`, { method: 'PUT', yaml: yaml('1.0.0') });
  expect(first.status, JSON.stringify(await first.clone().json())).toBe(201);
  const res = await d.request(`/api/v1/packs/${PACK}`, { method: 'PUT', yaml: yaml('2.0.0') });
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  return { d, id: body.rollout.id, body };
}

async function rolloutOf(d: TestDaemon, id: string) {
  return (await d.request(`/api/v1/rollouts/${id}`, { as: 'read' })).json();
}

function settled(d: TestDaemon, id: string): () => Promise<boolean> {
  return async () => {
    const { phase } = await rolloutOf(d, id);
    return phase !== 'Progressing';
  };
}

const bernoulli = (r: () => number, p: number): number => (r() < p ? 1 : 0);

describe('directions come from the metric', () => {
  test('a canary passing 95% of its evals against `eval_pass_rate: 90%` completes (it was rolled back)', async () => {
    const { d, id } = await startRollout(`      metrics:
        - { name: eval_pass_rate, threshold: 90% }
        - { name: thumbs_up_rate, threshold: 60% }`);
    const shape = (_variant: string, r: () => number): RequestShape => ({
      durationMs: 900,
      scores: [{ name: 'judge', value: bernoulli(r, 0.95) }],
      events: [{ name: r() < 0.8 ? 'thumbs_up' : 'thumbs_down' }],
    });
    await playTraffic(d, PACK, 15, shape, { seed: 11, until: settled(d, id) });
    const after = await rolloutOf(d, id);
    expect(after.phase, after.reason).toBe('Completed');
  });

  test('a custom `refund_rate` stated lower-is-better rolls back when canary refunds rise', async () => {
    const { d, id } = await startRollout(`      metrics:
        - name: refund_rate
          from: { attribute: app.refund, aggregate: rate }
          direction: lower
          threshold: 10%`);
    const shape = (variant: string, r: () => number): RequestShape => ({
      durationMs: 900,
      attributes: { 'app.refund': r() < (variant === '2.0.0' ? 0.3 : 0.05) },
    });
    await playTraffic(d, PACK, 10, shape, { seed: 12, until: settled(d, id) });
    const after = await rolloutOf(d, id);
    expect(after.phase).toBe('RolledBack');
    expect(after.reason).toMatch(/^refund_rate failed 2 consecutive checks \(.*> 10/);
  });
});

describe('tolerances say relative (%) or points (pt)', () => {
  // Canary success drops from 97% to 90%: 7 points, or 7.2% of stable's rate.
  const shape = (variant: string, r: () => number): RequestShape => ({
    durationMs: 900,
    error: r() >= (variant === '2.0.0' ? 0.9 : 0.97),
  });

  test('`maxDecrease: 20%` is relative to stable: a 7-point drop (−7.2%) is within it and completes', async () => {
    const { d, id } = await startRollout(`      metrics:
        - { name: success_rate, maxDecrease: 20% }`);
    await playTraffic(d, PACK, 15, shape, { seed: 21, perMinute: 1500, until: settled(d, id) });
    const after = await rolloutOf(d, id);
    expect(after.phase, after.reason).toBe('Completed');
  });

  test('`maxDecrease: 2pt` is absolute points: the same drop rolls back', async () => {
    const { d, id } = await startRollout(`      metrics:
        - { name: success_rate, maxDecrease: 2pt }`);
    await playTraffic(d, PACK, 15, shape, { seed: 21, perMinute: 1500, until: settled(d, id) });
    const after = await rolloutOf(d, id);
    expect(after.phase).toBe('RolledBack');
    expect(after.reason).toMatch(/^success_rate failed 2 consecutive checks .*tolerance −2\.0 points/);
  });

  test('a bare number on a rate is a fraction: 0.02 rolls back the same drop as 2pt', async () => {
    const { d, id } = await startRollout(`      metrics:
        - { name: success_rate, maxDecrease: 0.02 }`);
    await playTraffic(d, PACK, 15, shape, { seed: 21, perMinute: 1500, until: settled(d, id) });
    const after = await rolloutOf(d, id);
    expect(after.phase).toBe('RolledBack');
    expect(after.reason).toMatch(/tolerance −2\.0 points/);
  });

  test('a bare number above 1 on a rate is refused with the path and both spellings', async () => {
    const d = createTestDaemon({}, new ManualClock(T0));
    daemon = d;
    const res = await d.request(`/api/v1/packs/${PACK}`, {
      method: 'PUT',
      yaml: packYaml('1.0.0', '      metrics:\n        - { name: success_rate, maxDecrease: 5 }\n'),
    });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.path).toEqual(['spec', 'rollout', 'analysis', 'metrics', 0, 'maxDecrease']);
    expect(body.message).toContain('write 5pt or 5%');
  });
});

describe('tracking values: from: {event, aggregate}', () => {
  // Sessions last ~750 s on stable and ~1,050 s on the canary (+40%); one session_length event per request.
  const shape = (variant: string, r: () => number): RequestShape => ({
    durationMs: 900,
    events: [{ name: 'session_length', value: (variant === '2.0.0' ? 900 : 600) + 300 * r() }],
  });

  test('the mean of session_length values beyond maxIncrease 20% rolls back, the figures in seconds not counts', async () => {
    const { d, id } = await startRollout(`      metrics:
        - name: session_length
          from: { event: session_length, aggregate: mean }
          direction: lower
          maxIncrease: 20%`);
    await playTraffic(d, PACK, 10, shape, { seed: 31, until: settled(d, id) });
    const after = await rolloutOf(d, id);
    expect(after.phase).toBe('RolledBack');
    expect(after.reason).toMatch(/^session_length failed 2 consecutive checks \(1,0\d\d vs stable 7\d\d/);
  });

  test('p95 and per_request read the same events as a percentile and as a count', async () => {
    const { d, id } = await startRollout(`      metrics:
        - { name: long_sessions, from: { event: session_length, aggregate: p95 }, direction: lower, threshold: 1300, compare: false }
        - { name: sessions_per_request, from: { event: session_length, aggregate: per_request }, direction: higher, threshold: 0.9 }`);
    await playTraffic(d, PACK, 15, shape, { seed: 32, until: settled(d, id) });
    const after = await rolloutOf(d, id);
    expect(after.phase, after.reason).toBe('Completed');
    const analysis = await (
      await d.request(`/api/v1/rollouts/${id}/analysis?window=rollout`, { as: 'read' })
    ).json();
    expect(analysis.arms.canary.metrics.long_sessions).toBeGreaterThan(1100);
    expect(analysis.arms.canary.metrics.sessions_per_request).toBeCloseTo(1, 5);
  });
});

describe('sustained conditions and per-metric failureThreshold', () => {
  const metric = (extra: string) => `      failureThreshold: 2
      metrics:
        - { name: error_rate, threshold: 5%, compare: false${extra} }`;

  test('`for: 5m` rolls back only once the failure has held at every look for 5 minutes', async () => {
    const { d, id } = await startRollout(metric(', for: 5m'), LONG_STEPS);
    await playTraffic(d, PACK, 15, erroring(0.2), { seed: 41, until: settled(d, id) });
    const after = await rolloutOf(d, id);
    expect(after.phase).toBe('RolledBack');
    expect(after.reason).toMatch(/^error_rate failed \d+ consecutive checks over 5m \(/);
    // First failing look at +1m; it has held 5 minutes at the look of +6m.
    expect(Date.parse(after.endedAt) - T0).toBe(6 * 60_000);
  });

  test('`for: 5m` ignores a 3-minute spike that the analysis default (2 looks) would have rolled back', async () => {
    const { d, id } = await startRollout(metric(', for: 5m'), LONG_STEPS);
    await playTraffic(d, PACK, 10, erroring(0.2, 0, 3), { seed: 42, until: settled(d, id) });
    expect((await rolloutOf(d, id)).phase).toBe('Progressing');
  });

  test('a per-metric failureThreshold overrides the analysis one', async () => {
    const { d, id } = await startRollout(metric(', failureThreshold: 4'), LONG_STEPS);
    await playTraffic(d, PACK, 10, erroring(0.2), { seed: 43, until: settled(d, id) });
    const after = await rolloutOf(d, id);
    expect(after.reason).toMatch(/^error_rate failed 4 consecutive checks \(/);
    expect(Date.parse(after.endedAt) - T0).toBe(4 * 60_000);
  });

  test('with both, a failure counts when both hold', async () => {
    const { d, id } = await startRollout(metric(', for: 2m, failureThreshold: 5'), LONG_STEPS);
    await playTraffic(d, PACK, 10, erroring(0.2), { seed: 44, until: settled(d, id) });
    expect((await rolloutOf(d, id)).reason).toMatch(/^error_rate failed 5 consecutive checks over 2m/);
  });
});

describe('counts over time: aggregate: per_minute', () => {
  const blocks =
    (canaryShare: number) =>
    (variant: string, r: () => number): RequestShape => ({
      durationMs: 900,
      attributes: { 'app.guardrail.blocked': r() < (variant === '2.0.0' ? canaryShare : 0.02) },
    });
  const analysis = `      metrics:
        - name: guardrail_blocks
          from: { attribute: app.guardrail.blocked, aggregate: per_minute }
          direction: lower
          threshold: 10
          for: 5m`;

  test('"> 10 blocks per minute for 5 minutes" rolls back a canary blocking 40 a minute', async () => {
    const { d, id } = await startRollout(analysis, LONG_STEPS);
    await playTraffic(d, PACK, 10, blocks(0.2), { seed: 71, until: settled(d, id) });
    const after = await rolloutOf(d, id);
    expect(after.phase, JSON.stringify(after.lastCheck)).toBe('RolledBack');
    expect(after.reason).toMatch(
      /^guardrail_blocks failed \d+ consecutive checks over 5m \(\d+(\.\d+)?\/min > 10\/min beyond Poisson noise/,
    );
    expect(Date.parse(after.endedAt) - T0).toBe(6 * 60_000);
  });

  test('a canary blocking 4 a minute completes; the count has no comparison with stable', async () => {
    const { d, id } = await startRollout(analysis);
    await playTraffic(d, PACK, 10, blocks(0.02), { seed: 72, until: settled(d, id) });
    const after = await rolloutOf(d, id);
    expect(after.phase, after.reason).toBe('Completed');
    const kinds = after.lastCheck.checks.map((c: { kind: string }) => c.kind);
    expect(kinds).toEqual(['threshold']);
  });
});

describe('onFail: notify', () => {
  test('records the failure, fires rollout.metric_notify once per episode, and the rollout completes', async () => {
    const hook = await hookReceiver();
    const { d, id } = await startRollout(
      `      metrics:
        - { name: cost_per_request, threshold: 0.01, onFail: notify, compare: false }
        - { name: success_rate, threshold: 80% }`,
      'canaryWeight: 50\n    stepWeight: 50\n    stepInterval: 8m',
      `    notify:\n      - { url: "${hook.url}" }\n`,
    );
    // The canary costs too much from minute 0 to 4, is cheap for two minutes, then costs too much again.
    const shape = (variant: string, _r: () => number, minute: number): RequestShape => {
      const dear = variant === '2.0.0' && (minute < 4 || minute >= 6);
      return { durationMs: 900, attributes: { 'gen_ai.usage.cost': dear ? 0.05 : 0.001 } };
    };
    await playTraffic(d, PACK, 20, shape, { seed: 51, until: settled(d, id) });
    await d.webhooks.idle();
    const after = await rolloutOf(d, id);
    expect(after.phase, after.reason).toBe('Completed');
    const notified = hook.received.filter((h) => h.event === 'rollout.metric_notify');
    expect(notified).toHaveLength(2);
    expect(notified[0]?.reason).toMatch(/^cost_per_request failed 2 consecutive checks .*notify only/);
    const notes = (await auditActions(d)).filter((a) => a.action === 'rollout.metric_notify');
    expect(notes).toHaveLength(2);
    expect((await timelineOf(d, id)).filter((e) => e.reason.includes('notify only'))).toHaveLength(2);
  });
});

describe('observe first', () => {
  test('startAfter: checks run and show from the start, but nothing rolls back or steps before then', async () => {
    const { d, id } = await startRollout(
      `      startAfter: 6m
      metrics:
        - { name: error_rate, threshold: 5%, compare: false }`,
    );
    await playTraffic(d, PACK, 5, erroring(0.2), { seed: 61 });
    const during = await rolloutOf(d, id);
    expect(during).toMatchObject({ phase: 'Progressing', weight: 50 });
    expect(during.lastCheck.decision.reason).toMatch(/^observing only: 5m of startAfter 6m/);
    expect(during.lastCheck.checks[0]).toMatchObject({ metric: 'error_rate', result: 'Fail' });
    await playTraffic(d, PACK, 3, erroring(0.2), { seed: 62, until: settled(d, id) });
    const after = await rolloutOf(d, id);
    expect(after.phase).toBe('RolledBack');
    expect(Date.parse(after.endedAt) - T0).toBe(6 * 60_000);
  });

  test('dryRun: the ramp steps on schedule and the timeline and audit say "would roll back" once', async () => {
    const { d, id } = await startRollout(
      `      dryRun: true
      metrics:
        - { name: error_rate, threshold: 5%, compare: false }`,
    );
    await playTraffic(d, PACK, 10, erroring(0.2), { seed: 63, until: settled(d, id) });
    const after = await rolloutOf(d, id);
    expect(after.phase, after.reason).toBe('Completed');
    const would = (await auditActions(d)).filter((a) => a.action === 'rollout.dry_run');
    expect(would).toHaveLength(1);
    expect(would[0]?.reason).toMatch(
      /^would roll back: error_rate failed 2 consecutive checks \(.*\(dry run: not done\)$/,
    );
    expect((await timelineOf(d, id)).some((e) => e.reason.startsWith('would roll back: error_rate'))).toBe(
      true,
    );
  });
});

describe('baseline at 100%: monitorFor compares with stable before the ramp reached 100%', () => {
  const steps = 'steps:\n      - { weight: 50, minDuration: 3m }\n      - { weight: 100, monitorFor: 6m }';
  const analysis = `      metrics:
        - { name: tokens_per_request, maxIncrease: 20% }`;
  // The canary uses 900 tokens like stable until it serves everyone, then 1,500 (a change only full load shows).
  const tokens =
    (heavyFromMinute: number) =>
    (variant: string, r: () => number, minute: number): RequestShape => {
      const heavy = variant === '2.0.0' && minute >= heavyFromMinute;
      return {
        durationMs: 900,
        attributes: { 'gen_ai.usage.input_tokens': Math.round((heavy ? 1500 : 900) * (0.8 + 0.4 * r())) },
      };
    };

  test('a canary heavier at 100% than stable was before is rolled back, the reason saying before/after', async () => {
    const { d, id } = await startRollout(analysis, steps);
    await playTraffic(d, PACK, 12, tokens(5), { seed: 81, until: settled(d, id) });
    const after = await rolloutOf(d, id);
    expect(after.phase, after.reason).toBe('RolledBack');
    expect(after.reason).toMatch(
      /^tokens_per_request failed 2 consecutive checks \(.*vs stable before 100%.*a before\/after comparison/,
    );
  });

  test('an unchanged canary completes after monitorFor, compared before/after at every look', async () => {
    const { d, id } = await startRollout(analysis, steps);
    await playTraffic(d, PACK, 8, tokens(Number.POSITIVE_INFINITY), { seed: 82 });
    const during = await rolloutOf(d, id);
    expect(during).toMatchObject({ phase: 'Progressing', weight: 100 });
    const relative = during.lastCheck.checks.find((c: { kind: string }) => c.kind === 'relative');
    expect(relative).toMatchObject({ result: 'Pass' });
    expect(relative.reason).toContain('before/after');
    await playTraffic(d, PACK, 4, tokens(Number.POSITIVE_INFINITY), { seed: 83, until: settled(d, id) });
    expect((await rolloutOf(d, id)).phase).toBe('Completed');
  });
});

describe('eval scores: one series per evaluator, custom pass marks', () => {
  // tone scores ~0.6–0.9 on both arms; facts passes 97% on stable and 70% on the canary.
  const shape =
    (toneFloor: number) =>
    (variant: string, r: () => number): RequestShape => ({
      durationMs: 900,
      scores: [
        { name: 'tone', value: toneFloor + 0.2 * r() },
        { name: 'facts', value: r() < (variant === '2.0.0' ? 0.7 : 0.97) ? 1 : 0 },
      ],
    });

  test('eval_pass_rate per evaluator: facts failing on the canary rolls back as eval_pass_rate:facts', async () => {
    const { d, id } = await startRollout(`      metrics:
        - { name: eval_pass_rate, evaluator: tone, threshold: 90% }
        - { name: eval_pass_rate, evaluator: facts, threshold: 90% }`);
    await playTraffic(d, PACK, 10, shape(0.7), { seed: 91, until: settled(d, id) });
    const after = await rolloutOf(d, id);
    expect(after.phase).toBe('RolledBack');
    expect(after.reason, after.reason).toMatch(
      /^eval_pass_rate:facts failed 2 consecutive checks \([67]\d\.\d% < 90\.0%/,
    );
    const analysis = await (
      await d.request(`/api/v1/rollouts/${id}/analysis?window=rollout`, { as: 'read' })
    ).json();
    expect(analysis.arms.canary.metrics['eval_pass_rate:tone']).toBe(1);
    expect(analysis.metricInfo['eval_pass_rate:facts']).toEqual({ unit: 'fraction', direction: 'higher' });
  });

  test('a custom pass mark from: {score: tone, pass: ">= 0.7"} fails tone scores of 0.5–0.7 that pass at 0.5', async () => {
    const { d, id } = await startRollout(`      metrics:
        - { name: eval_pass_rate, evaluator: tone, threshold: 90% }
        - { name: tone_strict, from: { score: tone, pass: ">= 0.7" }, direction: higher, threshold: 90% }`);
    await playTraffic(d, PACK, 10, shape(0.5), { seed: 92, until: settled(d, id) });
    const after = await rolloutOf(d, id);
    expect(after.phase).toBe('RolledBack');
    expect(after.reason).toMatch(/^tone_strict failed 2 consecutive checks \(/);
  });
});

describe('the words are documented in /openapi.json', () => {
  test('the PromptPack body schema names each word of a metric and of the analysis', async () => {
    const d = createTestDaemon({}, new ManualClock(T0));
    daemon = d;
    const text = JSON.stringify(await (await d.request('/openapi.json')).json());
    for (const word of [
      '"direction"',
      '"maxDecrease":{"description"',
      '2pt',
      '"for"',
      '"failureThreshold"',
    ]) {
      expect(text).toContain(word);
    }
    for (const word of [
      '"notify"',
      '"startAfter"',
      '"dryRun"',
      'per_unit',
      '"evaluator"',
      '"pass"',
      'per_minute',
    ]) {
      expect(text).toContain(word);
    }
  });
});
