import type { RolloutDetail } from '@prompt-canary/api-types';
import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import { analysis, analysisWithoutUnits, specs } from '../testing/analysis-fixture.js';
import { renderStatus } from './status-view.js';

const plain = pc.createColors(false);

const rollout: RolloutDetail = {
  id: 'r1',
  pack: 'support-prompts',
  phase: 'Paused',
  reason: 'Manual: checking a report',
  stableVersion: '2.3.1',
  canaryVersion: '2.4.0',
  weight: 20,
  effectiveWeight: 50,
  step: 2,
  steps: 4,
  segment: null,
  startedAt: '2025-01-31T11:30:00Z',
  updatedAt: '2025-01-31T11:58:00Z',
  endedAt: null,
  spec: {
    bucketBy: 'targetingKey',
    monitorForMs: 0,
    analysis: {
      intervalMs: 60_000,
      failureThreshold: 2,
      minSamples: 100,
      maxInconclusiveMs: 3_600_000,
      metrics: specs,
    },
  },
  plan: {
    bucketBy: 'targetingKey',
    segmentPhases: [],
    steps: [10, 20, 50, 100].map((weight) => ({
      weight,
      minDurationMs: 0,
      approval: false,
      monitorForMs: 0,
    })),
  },
  timeline: [],
};

describe('the status view', () => {
  const pack = { name: 'support-prompts', stableVersion: '2.3.1', revision: 4 } as never;
  const nowMs = Date.parse('2025-01-31T12:00:00Z');

  it('reads phase with reason, step i/n, weights, versions, then the table', () => {
    const text = renderStatus({ pack, rollout, analysis, nowMs, colors: plain, ascii: true }).join('\n');
    expect(text).toContain('Rollout:    r1 started 30m ago');
    expect(text).toContain('Phase:      ॥ Paused  Manual: checking a report');
    expect(text).toContain('Strategy:   canary · ramp step 2/4 (20%)');
    expect(text).toContain('Step:       2/4');
    expect(text).toContain('Weight:     20% (effective 50%, a schedule window applies)');
    expect(text).toContain('[########-----------|--------------------]');
    expect(text).toContain('Versions:   stable 2.3.1  →  canary 2.4.0');
    expect(text).toContain(
      'Analysis:   window 2025-01-31 11:55:00Z – 12:00:00Z · SRM Pass — canary 10.0% of 2,678 units (expected 10.0%)',
    );
    expect(text).toMatch(/success_rate\s+95\.1%/);
    expect(text).toContain('latency_p99: latency_p99 canary 3,412 ms > 3,000 ms beyond sampling noise');
  });

  it('says a blue-green switch and where in it the rollout is, instead of a ramp step', () => {
    const switched: RolloutDetail = {
      ...rollout,
      phase: 'Progressing',
      weight: 100,
      effectiveWeight: 100,
      strategy: 'blueGreen',
      stage: 'rollbackWindow',
      stageEndsAt: '2025-01-31T12:42:00Z',
    };
    const beforeAfter = {
      ...analysis,
      comparisons: {
        scope: 'split' as const,
        from: '2025-01-31T11:50:00Z',
        before: { from: '2025-01-31T10:50:00Z', to: '2025-01-31T11:50:00Z' },
      },
    };
    const text = renderStatus({
      pack,
      rollout: switched,
      analysis: beforeAfter,
      nowMs,
      colors: plain,
      ascii: true,
    }).join('\n');
    expect(text).toContain('Strategy:   blue-green · rollback window · ends in 42m (12:42 UTC)');
    expect(text).toContain('before/after: since 11:50:00Z against 10:50:00Z – 11:50:00Z');
    expect(text).not.toContain('Step:');
    expect(text).toContain('Versions:   old 2.3.1  →  new 2.4.0');
    expect(text).toMatch(/latency_p99 \(regression\).*vs before switch/);
    expect(text).not.toContain('vs stable');
    expect(text).toMatch(
      /Metric\s+before switch\s+after switch\s+threshold\s+n \(before switch \/ after switch\)/,
    );
  });

  it('gives the reason of every check that is not plainly fine, not only failing ones', () => {
    const checks = [
      ...(analysis.checks ?? []),
      {
        metric: 'eval_pass_rate:tone',
        kind: 'threshold',
        result: 'Inconclusive',
        status: 'Inconclusive',
        stable: null,
        canary: null,
        n: { stable: 0, canary: 12 },
        reason: 'eval_pass_rate:tone canary 91.7%: too few samples (n=12 < 100, last 1 min)',
        onFail: 'notify',
      },
    ] as typeof analysis.checks;
    const text = renderStatus({
      pack,
      rollout,
      analysis: { ...analysis, checks },
      nowMs,
      colors: plain,
    }).join('\n');
    expect(text).toContain(
      '  eval_pass_rate:tone: eval_pass_rate:tone canary 91.7%: too few samples (n=12 < 100',
    );
    expect(text).toMatch(/eval_pass_rate:tone\s+—\s+—/);
  });

  it('says in red when the last look failed, and why', () => {
    const lastCheck = {
      at: new Date(nowMs - 60_000).toISOString(),
      stage: '0/1',
      checks: [],
      srm: { result: 'n/a' as const, reason: 'analysis failed' },
      decision: { kind: 'hold' as const, reason: 'no data' },
      failures: {},
      inconclusiveSince: {},
      error: 'database is locked',
    };
    const text = renderStatus({
      pack,
      rollout: { ...rollout, lastCheck },
      analysis,
      nowMs,
      colors: plain,
    }).join('\n');
    expect(text).toContain('Last look:  failed 1m ago: database is locked');
    const fine = renderStatus({ pack, rollout, analysis, nowMs, colors: plain }).join('\n');
    expect(fine).not.toContain('Last look');
  });

  it("shows the pack's last rollback drill and which steps failed", () => {
    const lastDrill = {
      at: new Date(nowMs - 2 * 86_400_000).toISOString(),
      ok: false,
      revision: 5,
      steps: [
        { name: 'committed', ok: true, ms: 3, detail: '' },
        { name: 'applied', ok: false, ms: 30_000, detail: '' },
      ],
    };
    const withDrill = { ...(pack as object), lastDrill } as never;
    const text = renderStatus({ pack: withDrill, rollout, analysis, nowMs, colors: plain }).join('\n');
    expect(text).toContain('Last drill: 2d ago (revision 5), failed: applied');
  });

  it('shows the evaluation batches sent, scored and late when the pack samples evals', () => {
    const evaluation = {
      sent: 4,
      scored: 2,
      late: 1,
      pending: 1,
      lastSentAt: new Date(nowMs - 120_000).toISOString(),
    };
    const text = renderStatus({
      pack,
      rollout: { ...rollout, evaluation },
      analysis,
      nowMs,
      colors: plain,
    }).join('\n');
    expect(text).toContain('Evals:      4 sent, 2 scored, 1 late, 1 pending (last 2m ago)');
    const none = renderStatus({ pack, rollout, analysis, nowMs, colors: plain }).join('\n');
    expect(none).not.toContain('Evals');
  });

  it('counts the traffic split in requests when spans carry no unit', () => {
    const text = renderStatus({ pack, rollout, analysis: analysisWithoutUnits, nowMs, colors: plain }).join(
      '\n',
    );
    expect(text).toContain('SRM Pass — canary 10.0% of 3,000 requests (expected 10.0%)');
    expect(text).not.toMatch(/\bunits\b/);
  });

  it('gives the reason of a traffic-split check that has no shares to show', () => {
    const srm = {
      expectedShare: null,
      observedShare: null,
      result: 'n/a',
      n: 0,
      reason: 'segment phase',
    } as const;
    const text = renderStatus({ pack, rollout, analysis: { ...analysis, srm }, nowMs, colors: plain }).join(
      '\n',
    );
    expect(text).toContain('SRM n/a (segment phase)');
  });

  it('names the segment phase while segments run', () => {
    const text = renderStatus({
      pack,
      rollout: { ...rollout, segment: 'internal_users', step: 0 },
      analysis: null,
      nowMs,
      colors: plain,
    }).join('\n');
    expect(text).toContain('Step:       segment internal_users (ramp 0/4)');
  });

  it('says the stable version serves everyone when there is no rollout', () => {
    const text = renderStatus({ pack, rollout: null, analysis: null, nowMs, colors: plain }).join('\n');
    expect(text).toContain('Stable:     2.3.1 (revision 4)');
    expect(text).toContain('none: the stable version serves everyone');
  });

  it('shows why the analysis is missing instead of the table', () => {
    const text = renderStatus({
      pack,
      rollout,
      analysis: null,
      analysisError: 'not available (not_found)',
      nowMs,
      colors: plain,
    });
    expect(text.at(-1)).toBe('Analysis:   not available (not_found)');
  });
});
