import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import { renderPackDiff } from './pack-diff.js';
import { fileDocument, liveDocument } from './pack-document.js';

const written = {
  apiVersion: 'omnia.altairalabs.ai/v1alpha1',
  kind: 'PromptPack',
  metadata: { name: 'support-prompts' },
  spec: {
    version: '2.4.0',
    rollout: {
      strategy: 'canary',
      canaryWeight: '10%',
      stepWeight: 10,
      stepInterval: '300s',
      analysis: {
        metrics: [
          { name: 'success_rate', threshold: '90%', comparison: '>=' },
          { name: 'latency_p99', threshold: '3s' },
          { name: 'tokens_per_request', maxIncrease: '50%' },
        ],
        interval: '1m',
      },
      schedule: [{ window: '02:00-06:00 UTC', canaryWeight: 50 }],
    },
  },
};

/** The same pack as the daemon answers it: normalised units and defaults filled in. */
const normalised = {
  metadata: { name: 'support-prompts' },
  spec: {
    version: '2.4.0',
    rollout: {
      strategy: 'canary',
      bucketBy: 'targetingKey',
      canaryWeight: 10,
      stepWeight: 10,
      stepIntervalMs: 300_000,
      monitorForMs: 0,
      analysis: {
        intervalMs: 60_000,
        failureThreshold: 2,
        minSamples: 100,
        maxInconclusiveMs: 1_800_000,
        metrics: [
          {
            name: 'success_rate',
            threshold: 0.9,
            thresholdUnit: 'fraction',
            comparison: '>=',
            onFail: 'rollback',
            compare: true,
          },
          {
            name: 'latency_p99',
            threshold: 3000,
            thresholdUnit: 'ms',
            comparison: '<=',
            onFail: 'rollback',
            compare: true,
          },
          {
            name: 'tokens_per_request',
            maxIncrease: 0.5,
            toleranceUnit: 'relative',
            onFail: 'rollback',
            compare: true,
          },
        ],
        costs: {},
      },
      segments: [],
      schedule: [{ window: '02:00-06:00', canaryWeight: 50 }],
      timeZone: 'UTC',
      notify: [],
    },
  },
};

describe('the pack documents the apply diff compares', () => {
  it('sees no difference between a file and the same pack normalised by the daemon', () => {
    const file = fileDocument(written);
    expect(liveDocument(normalised, file)).toEqual(file);
  });

  it('writes units one way: durations, percentages, latencies and weights', () => {
    const rollout = (fileDocument(written).spec as { rollout: Record<string, unknown> }).rollout;
    expect(rollout.stepInterval).toBe('5m');
    expect(rollout.canaryWeight).toBe(10);
    expect(rollout.analysis).toMatchObject({
      metrics: [{ threshold: '90%' }, { threshold: '3000ms' }, { maxIncrease: '50%' }],
    });
  });

  it('shows a tolerance in points as `2pt` and hides the direction a built-in metric has anyway', () => {
    const file = fileDocument({
      metadata: { name: 'p' },
      spec: { rollout: { analysis: { metrics: [{ name: 'success_rate', maxDecrease: '2pt' }] } } },
    });
    const live = {
      metadata: { name: 'p' },
      spec: {
        rollout: {
          analysis: {
            metrics: [
              {
                name: 'success_rate',
                direction: 'higher',
                maxDecrease: 0.02,
                toleranceUnit: 'points',
                onFail: 'rollback',
                compare: true,
              },
            ],
          },
        },
      },
    };
    expect(liveDocument(live, file)).toEqual(file);
    const relative = structuredClone(live);
    relative.spec.rollout.analysis.metrics[0]!.toleranceUnit = 'relative';
    const shown = liveDocument(relative, file) as { spec: { rollout: { analysis: { metrics: object[] } } } };
    expect(shown.spec.rollout.analysis.metrics[0]).toMatchObject({ maxDecrease: '2%' });
  });

  it("reads a bare tolerance as the metric's own unit: ms on a latency, points on a rate", () => {
    const file = fileDocument({
      metadata: { name: 'p' },
      spec: {
        rollout: {
          analysis: {
            metrics: [
              { name: 'latency_p99', maxIncrease: 200 },
              { name: 'success_rate', maxDecrease: 0.02 },
            ],
          },
        },
      },
    });
    const metric = (extra: object) => ({ onFail: 'rollback', compare: true, ...extra });
    const live = {
      metadata: { name: 'p' },
      spec: {
        rollout: {
          analysis: {
            metrics: [
              metric({
                name: 'latency_p99',
                direction: 'lower',
                maxIncrease: 200,
                toleranceUnit: 'absolute',
              }),
              metric({
                name: 'success_rate',
                direction: 'higher',
                maxDecrease: 0.02,
                toleranceUnit: 'points',
              }),
            ],
          },
        },
      },
    };
    expect(liveDocument(live, file)).toEqual(file);
    const shown = file as { spec: { rollout: { analysis: { metrics: object[] } } } };
    expect(shown.spec.rollout.analysis.metrics).toMatchObject([{ maxIncrease: 200 }, { maxDecrease: '2pt' }]);
  });

  it('reads for and startAfter as durations, as the file writes them', () => {
    const analysis = {
      startAfter: '10m',
      dryRun: true,
      metrics: [{ name: 'error_rate', threshold: '5%', for: '5m' }],
    };
    const file = fileDocument({ metadata: { name: 'p' }, spec: { rollout: { analysis } } });
    const live = {
      metadata: { name: 'p' },
      spec: {
        rollout: {
          analysis: {
            startAfterMs: 600_000,
            dryRun: true,
            metrics: [
              {
                name: 'error_rate',
                direction: 'lower',
                threshold: 0.05,
                thresholdUnit: 'fraction',
                comparison: '<=',
                forMs: 300_000,
                onFail: 'rollback',
                compare: true,
              },
            ],
          },
        },
      },
    };
    expect(liveDocument(live, file)).toEqual(file);
  });

  it('shows a score pass mark and an evaluator as the file writes them', () => {
    const metrics = [
      { name: 'eval_pass_rate', evaluator: 'tone', threshold: '90%' },
      { name: 'tone_strict', from: { score: 'tone', pass: '>=0.7' }, direction: 'higher', threshold: '90%' },
    ];
    const file = fileDocument({ metadata: { name: 'p' }, spec: { rollout: { analysis: { metrics } } } });
    const liveMetrics = [
      { name: 'eval_pass_rate', evaluator: 'tone', direction: 'higher', threshold: 0.9, comparison: '>=' },
      {
        name: 'tone_strict',
        from: { score: 'tone', pass: { comparison: '>=', value: 0.7 } },
        direction: 'higher',
        threshold: 0.9,
        thresholdUnit: 'fraction',
        comparison: '>=',
      },
    ].map((m) => ({ ...m, onFail: 'rollback', compare: true }));
    const live = { metadata: { name: 'p' }, spec: { rollout: { analysis: { metrics: liveMetrics } } } };
    expect(liveDocument(live, file)).toEqual(file);
  });

  it('keeps a live value the file leaves out when it is not the default', () => {
    const live = structuredClone(normalised);
    live.spec.rollout.analysis.failureThreshold = 3;
    const shown = liveDocument(live, fileDocument(written)) as { spec: { rollout: { analysis: object } } };
    expect(shown.spec.rollout.analysis).toMatchObject({ failureThreshold: 3 });
  });

  it('diffs the changed lines only, as YAML', () => {
    const next = structuredClone(written);
    next.spec.version = '2.5.0';
    next.spec.rollout.stepInterval = '1m';
    const file = fileDocument(next);
    const diff = renderPackDiff(liveDocument(normalised, file), file, {
      liveLabel: 'live',
      fileLabel: 'pack.yaml',
      colors: pc.createColors(false),
    });
    expect(diff.changed).toBe(true);
    const changes = diff.lines.filter((l) => /^[-+][^-+]/.test(l));
    expect(changes).toEqual([
      '-  version: 2.4.0',
      '+  version: 2.5.0',
      '-    stepInterval: 5m',
      '+    stepInterval: 1m',
    ]);
  });

  it('shows every line as added for a new pack', () => {
    const file = fileDocument(written);
    const diff = renderPackDiff(null, file, {
      liveLabel: 'new',
      fileLabel: 'pack.yaml',
      colors: pc.createColors(false),
    });
    expect(
      diff.lines.filter((l) => l.startsWith('+ ') || l.startsWith('+m') || l.startsWith('+s')).length,
    ).toBeGreaterThan(3);
    expect(diff.lines.some((l) => l.startsWith('-') && !l.startsWith('---'))).toBe(false);
  });
});
