import { describe, expect, test } from 'vitest';
import YAML from 'yaml';
import { parsePromptPack } from './pack-schema.js';
import type { PromptPack } from './prompt-pack.js';
import {
  EXAMPLE_FILES,
  examplesPresent,
  examplesRequired,
  examplesSkipReason,
  readExample,
} from './testing/pack-examples.js';

/** A minimal valid pack with `rollout` replaced. */
function packWith(
  rollout: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    apiVersion: 'promptcanary.dev/v1alpha1',
    kind: 'PromptPack',
    metadata: { name: 'support-prompts' },
    spec: { version: '2.4.0', rollout },
    ...extra,
  };
}

function parsed(input: unknown): PromptPack {
  const result = parsePromptPack(input);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.pack;
}

function issuesOf(input: unknown): Array<{ path: ReadonlyArray<string | number>; message: string }> {
  const result = parsePromptPack(input);
  if (result.ok) throw new Error('expected the pack to be rejected');
  return result.issues;
}

describe(`the users' example packs${examplesSkipReason}`, () => {
  test.runIf(examplesRequired)('are present under CI', () => {
    expect(examplesPresent, examplesSkipReason).toBe(true);
  });

  test.skipIf(!examplesPresent).each(EXAMPLE_FILES)('%s parses unchanged', (file) => {
    const result = parsePromptPack(YAML.parse(readExample(file)));
    expect(result.ok ? [] : result.issues).toEqual([]);
  });

  test.skipIf(!examplesPresent)(
    'the seed pack keeps its omnia apiVersion, ramp and analysis in normalised units',
    () => {
      const pack = parsed(YAML.parse(readExample('seed-promptpack.yaml')));
      expect(pack.apiVersion).toBe('omnia.altairalabs.ai/v1alpha1');
      expect(pack.spec.rollout).toMatchObject({ canaryWeight: 10, stepWeight: 10, stepIntervalMs: 300_000 });
      expect(pack.spec.rollout.analysis).toMatchObject({ intervalMs: 60_000, failureThreshold: 2 });
      expect(pack.spec.rollout.analysis.metrics).toEqual([
        {
          name: 'success_rate',
          direction: 'higher',
          threshold: 0.9,
          thresholdUnit: 'fraction',
          comparison: '>=',
          onFail: 'rollback',
          compare: true,
        },
        {
          name: 'latency_p99',
          direction: 'lower',
          threshold: 3000,
          thresholdUnit: 'ms',
          comparison: '<=',
          onFail: 'rollback',
          compare: true,
        },
      ]);
    },
  );

  test.skipIf(!examplesPresent)('the segments pack has two named segments and a progressive last one', () => {
    const pack = parsed(YAML.parse(readExample('seed-segments.yaml')));
    expect(pack.spec.rollout.segments).toEqual([
      { name: 'internal_users', weight: 100, durationMs: 86_400_000 },
      { name: 'beta_users', weight: 50, durationMs: 43_200_000 },
      { name: 'all_users', weight: 'progressive' },
    ]);
  });

  test.skipIf(!examplesPresent)('the schedule pack has three windows with their UTC suffix removed', () => {
    const pack = parsed(YAML.parse(readExample('seed-schedule.yaml')));
    expect(pack.spec.rollout.schedule).toEqual([
      { window: '02:00-06:00', canaryWeight: 50 },
      { window: '06:00-18:00', canaryWeight: 10 },
      { window: '18:00-02:00', canaryWeight: 30 },
    ]);
  });
});

describe('defaults', () => {
  test('a pack without rollout gets every documented default', () => {
    const pack = parsed({
      apiVersion: 'promptcanary.dev/v1alpha1',
      kind: 'PromptPack',
      metadata: { name: 'p' },
      spec: { version: '1' },
    });
    expect(pack.spec.rollout).toEqual({
      strategy: 'canary',
      bucketBy: 'targetingKey',
      monitorForMs: 0,
      timeZone: 'UTC',
      segments: [],
      schedule: [],
      notify: [],
      analysis: {
        intervalMs: 60_000,
        failureThreshold: 2,
        minSamples: 100,
        maxInconclusiveMs: 1_800_000,
        metrics: [],
        costs: {},
      },
    });
  });

  test('labels and annotations are free-form', () => {
    const pack = parsed(
      packWith(
        {},
        { metadata: { name: 'p', labels: { team: 'support', tier: 1 }, annotations: { 'a/b': { x: [1] } } } },
      ),
    );
    expect(pack.metadata.labels).toEqual({ team: 'support', tier: 1 });
  });

  test('explicit steps normalise approval and durations', () => {
    const pack = parsed(
      packWith({
        steps: [
          { weight: 1, minDuration: '4h' },
          { weight: '50%', minDuration: '48h', approval: 'required' },
          { weight: 100, monitorFor: '72h' },
        ],
      }),
    );
    expect(pack.spec.rollout.steps).toEqual([
      { weight: 1, minDurationMs: 14_400_000, approval: false },
      { weight: 50, minDurationMs: 172_800_000, approval: true },
      { weight: 100, minDurationMs: 0, approval: false, monitorForMs: 259_200_000 },
    ]);
  });

  test('a custom metric keeps its source, its direction and its decrease in points', () => {
    const pack = parsed(
      packWith({
        analysis: {
          metrics: [
            {
              name: 'tool_call_accuracy',
              from: { attribute: 'app.tool_call.correct', aggregate: 'rate' },
              direction: 'higher',
              maxDecrease: '2pt',
              onFail: 'pause',
            },
            { name: 'tokens_per_request', maxIncrease: '50%' },
          ],
          costs: { 'gpt-x': { input: 0.0025, output: 0.01 } },
        },
      }),
    );
    expect(pack.spec.rollout.analysis.metrics[0]).toEqual({
      name: 'tool_call_accuracy',
      from: { attribute: 'app.tool_call.correct', aggregate: 'rate' },
      direction: 'higher',
      maxDecrease: 0.02,
      toleranceUnit: 'points',
      onFail: 'pause',
      compare: true,
    });
    expect(pack.spec.rollout.analysis.metrics[1]).toMatchObject({
      maxIncrease: 0.5,
      toleranceUnit: 'relative',
    });
  });
});

const metricPath = (field: string) => ['spec', 'rollout', 'analysis', 'metrics', 0, field];
const oneMetric = (metric: Record<string, unknown>) => packWith({ analysis: { metrics: [metric] } });

describe('a metric knows its direction (regressions: inverted built-ins, names guessed)', () => {
  test.each([
    ['satisfaction', 4.2],
    ['thumbs_up_rate', '80%'],
    ['eval_pass_rate', '90%'],
    ['success_rate', '90%'],
  ])('built-in %s is higher-is-better: its limit defaults to >=', (name, threshold) => {
    const [metric] = parsed(oneMetric({ name, threshold })).spec.rollout.analysis.metrics;
    expect(metric).toMatchObject({ direction: 'higher', comparison: '>=' });
  });

  test.each([['error_rate'], ['latency_p99'], ['tokens_per_request'], ['regeneration_rate']])(
    'built-in %s is lower-is-better',
    (name) => {
      const [metric] = parsed(oneMetric({ name, threshold: 1 })).spec.rollout.analysis.metrics;
      expect(metric).toMatchObject({ direction: 'lower', comparison: '<=' });
    },
  );

  test('a custom metric states its direction, whatever its name says', () => {
    const refunds = {
      name: 'refund_rate',
      from: { attribute: 'app.refund', aggregate: 'rate' },
      direction: 'lower',
      threshold: '5%',
    };
    expect(parsed(oneMetric(refunds)).spec.rollout.analysis.metrics[0]).toMatchObject({
      direction: 'lower',
      comparison: '<=',
    });
  });

  test.each([
    ['refund', { name: 'refund', from: { attribute: 'app.refund', aggregate: 'rate' }, threshold: '5%' }],
    ['refund_rate', { name: 'refund_rate', maxIncrease: '20%' }],
  ])('a custom metric without direction (%s) is refused at its direction', (_name, metric) => {
    const [issue] = issuesOf(oneMetric(metric));
    expect(issue?.path).toEqual(metricPath('direction'));
    expect(issue?.message).toContain('direction: higher or direction: lower');
  });

  test('a built-in cannot be turned around, by direction or by comparison', () => {
    expect(issuesOf(oneMetric({ name: 'eval_pass_rate', direction: 'lower' }))[0]?.path).toEqual(
      metricPath('direction'),
    );
    const [backwards] = issuesOf(oneMetric({ name: 'eval_pass_rate', threshold: '90%', comparison: '<=' }));
    expect(backwards?.path).toEqual(metricPath('comparison'));
    expect(backwards?.message).toContain('higher-is-better');
  });
});

describe('a tracking event as a source', () => {
  test('from: {event, aggregate} keeps the event and its aggregation', () => {
    const metric = {
      name: 'session_length',
      from: { event: 'session_length', aggregate: 'p95' },
      direction: 'lower',
    };
    expect(parsed(oneMetric(metric)).spec.rollout.analysis.metrics[0]?.from).toEqual({
      event: 'session_length',
      aggregate: 'p95',
    });
  });

  test.each([
    ['two sources', { attribute: 'a', event: 'e', aggregate: 'mean' }, ['from'], 'one source'],
    ['an event with rate', { event: 'e', aggregate: 'rate' }, ['from', 'aggregate'], 'per_request, per_unit'],
    [
      'an attribute with per_unit',
      { attribute: 'a', aggregate: 'per_unit' },
      ['from', 'aggregate'],
      'rate, mean',
    ],
  ])('%s is refused at its path', (_what, from, path, message) => {
    const [issue] = issuesOf(oneMetric({ name: 'm', from, direction: 'lower' }));
    expect(issue?.path).toEqual(['spec', 'rollout', 'analysis', 'metrics', 0, ...path]);
    expect(issue?.message).toContain(message);
  });
});

describe('eval scores per evaluator and pass marks', () => {
  test('several eval_pass_rate entries with different evaluators are allowed; the same one twice is not', () => {
    const metrics = [
      { name: 'eval_pass_rate', evaluator: 'tone', threshold: '90%' },
      { name: 'eval_pass_rate', evaluator: 'facts', threshold: '95%' },
    ];
    expect(parsed(packWith({ analysis: { metrics } })).spec.rollout.analysis.metrics[1]).toMatchObject({
      evaluator: 'facts',
      direction: 'higher',
      comparison: '>=',
    });
    const twice = issuesOf(packWith({ analysis: { metrics: [metrics[0], metrics[0]] } }));
    expect(twice[0]).toMatchObject({ path: ['spec', 'rollout', 'analysis', 'metrics', 1, 'evaluator'] });
    expect(twice[0]?.message).toContain('"eval_pass_rate:tone" is listed twice');
    expect(issuesOf(oneMetric({ name: 'success_rate', evaluator: 'tone' }))[0]?.path).toEqual(
      metricPath('evaluator'),
    );
  });

  test('from: {score, pass} is a rate with its mark parsed; a score without a mark is refused', () => {
    const metric = {
      name: 'tone_strict',
      from: { score: 'tone', pass: '>= 0.7' },
      direction: 'higher',
      threshold: '90%',
    };
    expect(parsed(oneMetric(metric)).spec.rollout.analysis.metrics[0]).toMatchObject({
      from: { score: 'tone', pass: { comparison: '>=', value: 0.7 } },
      threshold: 0.9,
      thresholdUnit: 'fraction',
    });
    const [issue] = issuesOf(oneMetric({ ...metric, from: { score: 'tone' } }));
    expect(issue?.path).toEqual(['spec', 'rollout', 'analysis', 'metrics', 0, 'from', 'pass']);
  });
});

describe('counts per minute take hard limits only', () => {
  const from = { attribute: 'app.guardrail.blocked', aggregate: 'per_minute' };
  test('a per_minute metric is a hard limit without a comparison with stable', () => {
    const [metric] = parsed(oneMetric({ name: 'blocks', from, direction: 'lower', threshold: 10 })).spec
      .rollout.analysis.metrics;
    expect(metric).toMatchObject({ threshold: 10, comparison: '<=', compare: false });
  });

  test.each([
    ['a tolerance', { maxIncrease: '50%', threshold: 10 }, 'maxIncrease'],
    ['a comparison with stable', { compare: true, threshold: 10 }, 'compare'],
    ['no threshold', {}, 'threshold'],
  ])('%s is refused', (_what, extra, field) => {
    const issues = issuesOf(oneMetric({ name: 'blocks', from, direction: 'lower', ...extra }));
    expect(issues.map((i) => i.path.at(-1))).toContain(field);
    expect(issues[0]?.message).toContain('hard limit');
  });
});

describe("tolerances say relative (%), points (pt) or the metric's own unit (a bare number)", () => {
  test('20% is relative for every metric, rates included; 2pt is points on a rate', () => {
    const metrics = parsed(
      packWith({
        analysis: {
          metrics: [
            { name: 'success_rate', maxDecrease: '20%' },
            { name: 'error_rate', maxIncrease: '2pt' },
            { name: 'latency_avg', maxIncrease: '50%' },
          ],
        },
      }),
    ).spec.rollout.analysis.metrics;
    expect(metrics.map((m) => [m.maxDecrease ?? m.maxIncrease, m.toleranceUnit])).toEqual([
      [0.2, 'relative'],
      [0.02, 'points'],
      [0.5, 'relative'],
    ]);
  });

  test("reads a bare number in the metric's own unit: points on a rate, ms on a latency, tokens", () => {
    const metrics = parsed(
      packWith({
        analysis: {
          metrics: [
            { name: 'success_rate', maxDecrease: 0.02 },
            { name: 'latency_p99', maxIncrease: 200 },
            { name: 'tokens_per_request', maxIncrease: '150' },
          ],
        },
      }),
    ).spec.rollout.analysis.metrics;
    expect(metrics.map((m) => [m.maxDecrease ?? m.maxIncrease, m.toleranceUnit])).toEqual([
      [0.02, 'points'],
      [200, 'absolute'],
      [150, 'absolute'],
    ]);
  });

  test.each([
    [
      'a bare number above 1 on a rate',
      { name: 'success_rate', maxDecrease: 2 },
      'maxDecrease',
      'write 2pt or 2%',
    ],
    ['points on a non-rate', { name: 'latency_avg', maxIncrease: '5pt' }, 'maxIncrease', 'apply to rates'],
    [
      'a rise bound on a higher-is-better metric',
      { name: 'success_rate', maxIncrease: '5%' },
      'maxIncrease',
      'use maxDecrease',
    ],
    ['both bounds', { name: 'error_rate', maxIncrease: '5%', maxDecrease: '5%' }, 'maxDecrease', 'not both'],
  ])('%s is refused at its field', (_what, metric, field, message) => {
    const issues = issuesOf(oneMetric(metric));
    expect(issues.find((i) => i.path.join('.') === metricPath(field).join('.'))?.message).toContain(message);
  });
});

describe('bad packs are rejected with the path and a message', () => {
  test.each<[string, Record<string, unknown>, Array<string | number>, string]>([
    [
      'a bad weight',
      packWith({ canaryWeight: 'lots' }),
      ['spec', 'rollout', 'canaryWeight'],
      'expected a weight',
    ],
    [
      'a weight over 100',
      packWith({ canaryWeight: 120 }),
      ['spec', 'rollout', 'canaryWeight'],
      'between 0 and 100',
    ],
    [
      'a duration without unit',
      packWith({ stepInterval: 5 }),
      ['spec', 'rollout', 'stepInterval'],
      '500ms, 8s, 5m',
    ],
    [
      'an unknown rollout field',
      packWith({ canaryWieght: 10 }),
      ['spec', 'rollout', 'canaryWieght'],
      'unknown field "canaryWieght"',
    ],
    ['an unknown top-level field', packWith({}, { status: {} }), ['status'], 'unknown field'],
    ['a wrong apiVersion', packWith({}, { apiVersion: 'v1' }), ['apiVersion'], 'promptcanary.dev/v1alpha1'],
    ['a wrong kind', packWith({}, { kind: 'Pack' }), ['kind'], 'PromptPack'],
    [
      'an invalid name',
      packWith({}, { metadata: { name: 'Support Prompts' } }),
      ['metadata', 'name'],
      'a pack name',
    ],
    [
      'an unquoted numeric version',
      { ...packWith({}), spec: { version: 2.4 } },
      ['spec', 'version'],
      'quote it',
    ],
    [
      'a rate above 100%',
      packWith({ analysis: { metrics: [{ name: 'success_rate', threshold: '150%' }] } }),
      ['spec', 'rollout', 'analysis', 'metrics', 0, 'threshold'],
      'a rate',
    ],
    [
      'a latency in percent',
      packWith({ analysis: { metrics: [{ name: 'latency_p99', threshold: '90%' }] } }),
      ['spec', 'rollout', 'analysis', 'metrics', 0, 'threshold'],
      'latency',
    ],
    [
      'a zero failureThreshold',
      packWith({ analysis: { failureThreshold: 0 } }),
      ['spec', 'rollout', 'analysis', 'failureThreshold'],
      '',
    ],
    [
      'ramp fields with steps',
      packWith({ canaryWeight: 10, steps: [{ weight: 50 }] }),
      ['spec', 'rollout', 'steps'],
      'exclusive',
    ],
    [
      'a decreasing step',
      packWith({ steps: [{ weight: 50 }, { weight: 20 }] }),
      ['spec', 'rollout', 'steps', 1, 'weight'],
      'never decrease',
    ],
    [
      'monitorFor below 100%',
      packWith({ steps: [{ weight: 50, monitorFor: '1h' }] }),
      ['spec', 'rollout', 'steps', 0, 'monitorFor'],
      '100% step',
    ],
    [
      'a maxWeight below canaryWeight',
      packWith({ canaryWeight: 20, maxWeight: 10 }),
      ['spec', 'rollout', 'maxWeight'],
      'at least canaryWeight',
    ],
    [
      'a timeZone other than UTC',
      packWith({ timeZone: 'Europe/Paris' }),
      ['spec', 'rollout', 'timeZone'],
      'UTC only',
    ],
    [
      'a bad window',
      packWith({ schedule: [{ window: '25:00-02:00', canaryWeight: 5 }] }),
      ['spec', 'rollout', 'schedule', 0, 'window'],
      'out of range 00-23',
    ],
    [
      'an empty window',
      packWith({ schedule: [{ window: '02:00-02:00', canaryWeight: 5 }] }),
      ['spec', 'rollout', 'schedule', 0, 'window'],
      'start and end are the same time',
    ],
    [
      'a window in another zone',
      packWith({ schedule: [{ window: '02:00-06:00 CET', canaryWeight: 5 }] }),
      ['spec', 'rollout', 'schedule', 0, 'window'],
      'expected HH:MM-HH:MM',
    ],
    [
      'canaryWeight and capWeight together',
      packWith({ schedule: [{ window: '02:00-06:00', canaryWeight: 5, capWeight: 5 }] }),
      ['spec', 'rollout', 'schedule', 0, 'capWeight'],
      'exactly one',
    ],
    [
      'a window without a weight',
      packWith({ schedule: [{ window: '02:00-06:00' }] }),
      ['spec', 'rollout', 'schedule', 0, 'canaryWeight'],
      'exactly one',
    ],
    [
      'overlapping windows',
      packWith({
        schedule: [
          { window: '22:00-02:00', canaryWeight: 5 },
          { window: '01:00-03:00', capWeight: 5 },
        ],
      }),
      ['spec', 'rollout', 'schedule', 1, 'window'],
      'overlaps window 0',
    ],
    [
      'an until between two seconds (the flag compiler takes whole seconds only)',
      packWith({ schedule: [{ window: '02:00-06:00', canaryWeight: 5, until: '2026-12-02T04:01:19.826Z' }] }),
      ['spec', 'rollout', 'schedule', 0, 'until'],
      'is not on a whole second',
    ],
    [
      'a from without seconds',
      packWith({ schedule: [{ window: '02:00-06:00', canaryWeight: 5, from: '2026-12-02T04:01Z' }] }),
      ['spec', 'rollout', 'schedule', 0, 'from'],
      'is not an ISO timestamp',
    ],
    [
      'a bad day',
      packWith({ schedule: [{ window: '02:00-06:00', canaryWeight: 5, days: ['monday'] }] }),
      ['spec', 'rollout', 'schedule', 0, 'days', 0],
      'a day is one of',
    ],
    [
      'progressive before the last segment',
      packWith({
        segments: [
          { name: 'all', weight: 'progressive' },
          { name: 'b', match: { beta: true }, weight: 5, duration: '1h' },
        ],
      }),
      ['spec', 'rollout', 'segments', 0, 'weight'],
      'last segment only',
    ],
    [
      'a segment without duration',
      packWith({ segments: [{ name: 'b', match: { beta: true }, weight: 5 }] }),
      ['spec', 'rollout', 'segments', 0, 'duration'],
      'is required',
    ],
    [
      'a segment with a bad matcher',
      packWith({ segments: [{ name: 'b', match: { beta: { like: 'x' } }, weight: 5, duration: '1h' }] }),
      ['spec', 'rollout', 'segments', 0, 'match', 'beta', 'like'],
      'unknown matcher',
    ],
    [
      'a segment listed twice',
      packWith({
        segments: [
          { name: 'b', weight: 5, duration: '1h' },
          { name: 'b', weight: 6, duration: '1h' },
        ],
      }),
      ['spec', 'rollout', 'segments', 1, 'name'],
      'twice',
    ],
    [
      'a notify target that is not a URL',
      packWith({ notify: [{ url: 'hooks' }] }),
      ['spec', 'rollout', 'notify', 0, 'url'],
      'http(s) URL',
    ],
  ])('%s', (_name, input, path, message) => {
    const issues = issuesOf(input);
    const atPath = issues.filter((issue) => JSON.stringify(issue.path) === JSON.stringify(path));
    expect(atPath, JSON.stringify(issues)).not.toEqual([]);
    expect(atPath.map((issue) => issue.message).join(' | ')).toContain(message);
  });

  test('reports every problem of a pack at once', () => {
    const issues = issuesOf(packWith({ canaryWeight: 'x', stepInterval: '5 min', bogus: true }));
    expect(issues.map((issue) => issue.path.at(-1)).sort()).toEqual([
      'bogus',
      'canaryWeight',
      'stepInterval',
    ]);
  });

  test('a non-object body is rejected at the root', () => {
    expect(issuesOf('apiVersion: x')[0]?.path).toEqual([]);
  });
});
