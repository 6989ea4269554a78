import type { AnalysisCheck } from '@prompt-canary/api-types';
import { describe, expect, it } from 'vitest';
import { formatArmCounts, formatLimitWindow, formatSrm } from './samples.js';

const limit: AnalysisCheck = {
  metric: 'latency_p99',
  kind: 'threshold',
  result: 'Pass',
  status: 'OK',
  stable: 2480,
  canary: 2712,
  threshold: 3000,
  n: { stable: 2700, canary: 300 },
  reason: 'latency_p99 canary 2,712 ms ≤ 3,000 ms (n=300, 48 units, last 3m)',
  onFail: 'rollback',
};

describe('samples and windows', () => {
  it('writes both arms stable first, grouped by thousands, with a dash for a missing arm', () => {
    expect(formatArmCounts({ stable: 2700, canary: 300 })).toBe('2,700 / 300');
    expect(formatArmCounts({ stable: 12_480.4 })).toBe('12,480 / —');
    expect(formatArmCounts(undefined)).toBe('— / —');
  });

  it("names a hard limit's window by its length, from the ISO times the daemon sends", () => {
    const window = { from: '2025-01-31T11:57:00.000Z', to: '2025-01-31T12:00:00.000Z' };
    expect(formatLimitWindow({ ...limit, window })).toBe('last 3m');
    expect(formatLimitWindow({ ...limit, window: { ...window, from: '2025-01-31T11:58:30Z' } })).toBe(
      'last 1m 30s',
    );
  });

  it('shows no window for a comparison, a check without one or a window that cannot be read', () => {
    const window = { from: '2025-01-31T11:30:00Z', to: '2025-01-31T12:00:00Z' };
    expect(formatLimitWindow({ ...limit, kind: 'regression', window })).toBeUndefined();
    expect(formatLimitWindow(limit)).toBeUndefined();
    expect(formatLimitWindow({ ...limit, window: { from: 'soon', to: 'later' } })).toBeUndefined();
    expect(formatLimitWindow({ ...limit, window: { from: window.to, to: window.to } })).toBeUndefined();
  });
});

describe('the traffic-split line', () => {
  const shares = { expectedShare: 0.1, observedShare: 0.1008, result: 'Pass' } as const;

  it('counts units when the check counted units', () => {
    expect(formatSrm({ ...shares, n: 2678, units: { stable: 2410, canary: 268 }, reason: '' })).toBe(
      'SRM Pass — canary 10.1% of 2,678 units (expected 10.0%)',
    );
  });

  it('says requests when spans carried no unit', () => {
    expect(formatSrm({ ...shares, n: 3000, reason: '' })).toBe(
      'SRM Pass — canary 10.1% of 3,000 requests (expected 10.0%)',
    );
  });

  it('leaves the count out when the answer has none', () => {
    expect(formatSrm(shares)).toBe('SRM Pass — canary 10.1% (expected 10.0%)');
  });

  it('gives the reason when there are no shares', () => {
    const srm = { expectedShare: null, observedShare: null, result: 'n/a', n: 0 } as const;
    expect(formatSrm({ ...srm, reason: 'segment phase: no split to check' })).toBe(
      'SRM n/a (segment phase: no split to check)',
    );
    expect(formatSrm({ ...srm, reason: '' })).toBe('SRM n/a (no data)');
  });
});
