import type { LastCheck } from '@prompt-canary/api-types';
import { describe, expect, it } from 'vitest';
import {
  actionsFor,
  canOperate,
  describeLastCheck,
  formatAgo,
  formatDuration,
  formatMetric,
  formatStep,
  formatTimestamp,
  formatWeight,
  metricUnit,
  worstStatus,
} from './format.js';

describe('formatting', () => {
  it('reads metric units from the built-in names', () => {
    expect(metricUnit('success_rate')).toBe('fraction');
    expect(metricUnit('error_rate')).toBe('fraction');
    expect(metricUnit('latency_p99')).toBe('ms');
    expect(metricUnit('cost_per_request')).toBe('usd');
    expect(metricUnit('tokens_per_request')).toBe('number');
  });

  it('shows rates as percentages, latencies in ms, costs in dollars, and a dash without a value', () => {
    expect(formatMetric('success_rate', 0.951)).toBe('95.1%');
    expect(formatMetric('success_rate', 0.90349)).toBe('90.3%');
    expect(formatMetric('latency_p99', 2480)).toBe('2,480 ms');
    expect(formatMetric('latency_p99', 3412.46)).toBe('3,412 ms');
    expect(formatMetric('latency_p50', 12.345)).toBe('12.35 ms');
    expect(formatMetric('cost_per_request', 0.001234)).toBe('$0.00123');
    expect(formatMetric('tokens_per_request', 812.5)).toBe('812.5');
    expect(formatMetric('success_rate', null)).toBe('—');
    expect(formatMetric('latency_p99', undefined)).toBe('—');
  });

  it('shows weights as percentages', () => {
    expect(formatWeight(10)).toBe('10%');
    expect(formatWeight(0.5)).toBe('0.5%');
    expect(formatWeight(100)).toBe('100%');
  });

  it('says durations and ages in words', () => {
    expect(formatDuration(42_000)).toBe('42 s');
    expect(formatDuration(5 * 60_000)).toBe('5 min');
    expect(formatDuration(65 * 60_000)).toBe('1 h 5 min');
    expect(formatDuration(2 * 3_600_000)).toBe('2 h');
    expect(formatDuration(50 * 3_600_000)).toBe('2 d 2 h');
    const now = Date.parse('2025-01-01T12:00:00Z');
    expect(formatAgo('2025-01-01T11:59:58Z', now)).toBe('just now');
    expect(formatAgo('2025-01-01T11:55:00Z', now)).toBe('5 min ago');
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
      '2 min ago: hold — minimum step duration not reached (latency_p99 1/2 failed looks)',
    );
    expect(describeLastCheck({ ...check, failures: {} }, undefined, now)).toBe(
      '2 min ago: hold — minimum step duration not reached',
    );
  });
});
