import type { LastCheck, MetricInfo } from '@prompt-canary/api-types';
import { describe, expect, it } from 'vitest';
import {
  actionsFor,
  canOperate,
  describeDrill,
  describeEvaluation,
  describeLastCheck,
  directionText,
  formatAgo,
  formatMetric,
  formatShare,
  formatStep,
  formatTimestamp,
  formatWeight,
  metricUnit,
  worstStatus,
} from './format.js';

/** As the daemon sends it for these metrics (`metricInfo` of the analysis answer). */
const metricInfo: Record<string, MetricInfo> = {
  success_rate: { unit: 'fraction', direction: 'higher' },
  latency_p99: { unit: 'ms', direction: 'lower' },
  tokens_per_request: { unit: 'tokens', direction: 'lower' },
  cost_per_request: { unit: 'cost', direction: 'lower' },
  satisfaction: { unit: 'rating', direction: 'higher' },
  refund_rate: { unit: 'number', direction: 'lower' },
  tone_score: { unit: 'fraction', direction: 'higher' },
};

describe('metric units', () => {
  it("reads each metric's unit from the daemon's metricInfo", () => {
    expect(metricUnit('success_rate', metricInfo)).toBe('fraction');
    expect(metricUnit('latency_p99', metricInfo)).toBe('ms');
    expect(metricUnit('cost_per_request', metricInfo)).toBe('cost');
    expect(metricUnit('tokens_per_request', metricInfo)).toBe('tokens');
  });

  it('does not show a custom refund_rate of unit number as a percentage', () => {
    expect(formatMetric(0.42, metricUnit('refund_rate', metricInfo))).toBe('0.42');
  });

  it('shows a custom tone_score of unit fraction as a percentage', () => {
    expect(formatMetric(0.873, metricUnit('tone_score', metricInfo))).toBe('87.3%');
  });

  it('shows a plain number for a metric metricInfo does not describe, whatever its name', () => {
    expect(metricUnit('success_rate', undefined)).toBe('number');
    expect(metricUnit('latency_p99', {})).toBe('number');
    expect(formatMetric(0.951, metricUnit('error_rate', metricInfo))).toBe('0.951');
  });

  it('always shows the traffic split shares as percentages', () => {
    expect(formatShare(0.1)).toBe('10%');
    expect(formatShare(0.0987)).toBe('9.87%');
    expect(formatShare(null)).toBe('—');
  });

  it('says which way is better when metricInfo tells', () => {
    expect(directionText(metricInfo.success_rate)).toBe('higher is better');
    expect(directionText(metricInfo.latency_p99)).toBe('lower is better');
    expect(directionText(undefined)).toBe('');
  });
});

describe('formatting', () => {
  it('shows fractions as percentages, latencies in ms, tokens, costs in dollars, ratings, and a dash without a value', () => {
    expect(formatMetric(0.951, 'fraction')).toBe('95.1%');
    expect(formatMetric(0.90349, 'fraction')).toBe('90.3%');
    expect(formatMetric(2480, 'ms')).toBe('2,480 ms');
    expect(formatMetric(3412.46, 'ms')).toBe('3,412 ms');
    expect(formatMetric(12.345, 'ms')).toBe('12.35 ms');
    expect(formatMetric(0.001234, 'cost')).toBe('$0.00123');
    expect(formatMetric(812.5, 'tokens')).toBe('812.5 tok');
    expect(formatMetric(4.213, 'rating')).toBe('4.21/5');
    expect(formatMetric(812.5, 'number')).toBe('812.5');
    expect(formatMetric(null, 'fraction')).toBe('—');
    expect(formatMetric(undefined, 'ms')).toBe('—');
  });

  it('shows weights as percentages', () => {
    expect(formatWeight(10)).toBe('10%');
    expect(formatWeight(0.5)).toBe('0.5%');
    expect(formatWeight(100)).toBe('100%');
  });

  it('says ages in the shared duration format', () => {
    const now = Date.parse('2025-01-01T12:00:00Z');
    expect(formatAgo('2025-01-01T11:59:58Z', now)).toBe('just now');
    expect(formatAgo('2025-01-01T11:59:18Z', now)).toBe('42s ago');
    expect(formatAgo('2025-01-01T11:55:00Z', now)).toBe('5m ago');
    expect(formatAgo('2025-01-01T10:55:00Z', now)).toBe('1h 5m ago');
    expect(formatAgo('2024-12-30T10:00:00Z', now)).toBe('2d 2h ago');
    expect(formatAgo('yesterday', now)).toBe('yesterday');
    expect(formatTimestamp('2025-01-01T11:55:00.123Z')).toBe('2025-01-01 11:55:00 UTC');
  });

  it('names the step, or the segment phase', () => {
    expect(formatStep(2, 10)).toBe('step 2/10');
    expect(formatStep(3, undefined)).toBe('step 3');
    expect(formatStep(0, 10, 'internal_users')).toBe('segment internal_users');
    expect(formatStep(0, 10)).toBe('—');
  });
});

describe('what a token may do', () => {
  it('shows actions to operate and admin tokens only', () => {
    expect(canOperate(['read'])).toBe(false);
    expect(canOperate(['evaluate', 'ingest'])).toBe(false);
    expect(canOperate(['read', 'operate'])).toBe(true);
    expect(canOperate(['admin'])).toBe(true);
  });

  it('offers the actions that fit the phase, none once ended', () => {
    expect(actionsFor('Progressing')).toEqual(['pause', 'promote', 'rollback']);
    expect(actionsFor('Paused')).toEqual(['resume', 'promote', 'rollback']);
    expect(actionsFor('RolledBack')).toEqual([]);
    expect(actionsFor('Completed')).toEqual([]);
  });
});

describe('one status per metric row', () => {
  it('takes the most severe status, and Improved over OK', () => {
    expect(worstStatus(['OK', 'Degraded'])).toBe('Degraded');
    expect(worstStatus(['Watch', 'OK'])).toBe('Watch');
    expect(worstStatus(['OK', 'Improved'])).toBe('Improved');
    expect(worstStatus(['Inconclusive', 'OK'])).toBe('Inconclusive');
    expect(worstStatus([])).toBe('Inconclusive');
  });
});

describe("the controller's last look", () => {
  it('says when, what and why, and which metrics are failing', () => {
    const now = Date.parse('2025-01-01T12:00:00Z');
    const check: LastCheck = {
      at: '2025-01-01T11:58:00Z',
      stage: '0/1',
      checks: [],
      srm: { result: 'Pass', reason: 'canary share as expected' },
      decision: { kind: 'hold', reason: 'minimum step duration not reached' },
      failures: { latency_p99: 1, success_rate: 0 },
      inconclusiveSince: {},
    };
    expect(describeLastCheck(check, 2, now)).toBe(
      '2m ago: hold — minimum step duration not reached (latency_p99 1/2 failed looks)',
    );
    expect(describeLastCheck({ ...check, failures: {} }, undefined, now)).toBe(
      '2m ago: hold — minimum step duration not reached',
    );
    expect(describeLastCheck({ ...check, failures: {}, error: 'disk I/O error' }, undefined, now)).toBe(
      '2m ago: hold — minimum step duration not reached; the look failed: disk I/O error',
    );
  });
});

describe('describeEvaluation', () => {
  const nowMs = Date.parse('2026-12-02T04:10:00Z');
  it('counts the batches by what became of them, and flags late ones', () => {
    const out = describeEvaluation(
      { sent: 4, scored: 2, late: 1, pending: 1, lastSentAt: '2026-12-02T04:08:00Z' },
      nowMs,
    );
    expect(out).toEqual({ text: '4 batches sent · 2 scored · 1 late · 1 pending · last 2m ago', late: true });
    expect(describeEvaluation({ sent: 0, scored: 0, late: 0, pending: 0, lastSentAt: null }, nowMs)).toEqual({
      text: '0 batches sent · 0 scored · 0 late · 0 pending · none sent yet',
      late: false,
    });
  });
});

describe('describeDrill', () => {
  const nowMs = Date.parse('2026-12-02T04:10:00Z');
  const drill = (ageMs: number, ok: boolean) => ({
    at: new Date(nowMs - ageMs).toISOString(),
    ok,
    revision: 4,
    steps: [
      { name: 'committed', ok: true, ms: 1, detail: '' },
      { name: 'applied', ok, ms: 30_000, detail: '' },
    ],
  });
  it('says when and whether the last drill held, and warns when it failed or is over 30 days old', () => {
    expect(describeDrill(null, nowMs)).toEqual({ text: 'never', warn: false });
    expect(describeDrill(drill(3 * 86_400_000, true), nowMs)).toEqual({ text: '3d ago: held', warn: false });
    expect(describeDrill(drill(7_200_000, false), nowMs)).toEqual({
      text: '2h ago: failed (applied)',
      warn: true,
    });
    expect(describeDrill(drill(31 * 86_400_000, true), nowMs)).toEqual({
      text: '31d ago: held — over 30 days old, drill again',
      warn: true,
    });
  });
});
