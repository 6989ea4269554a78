import { describe, expect, it } from 'vitest';
import { analysis } from '../testing/analysis-fixture.js';
import { worstCheck } from './worst-check.js';

const check = analysis.checks[0];
if (!check) throw new Error('the fixture has checks');

describe('the worst check of an analysis', () => {
  it('picks the most severe status, the first on a tie', () => {
    expect(worstCheck(analysis)).toEqual({ name: 'latency_p99', status: 'Degraded', reason: check.reason });
  });

  it('ranks a plain OK and an inconclusive check above an improvement', () => {
    const checks = [
      { ...check, metric: 'success_rate', status: 'Improved' as const },
      { ...check, metric: 'latency_p99', status: 'OK' as const },
    ];
    expect(worstCheck({ ...analysis, checks })?.name).toBe('latency_p99');
    const withInconclusive = [...checks, { ...check, metric: 'cost', status: 'Inconclusive' as const }];
    expect(worstCheck({ ...analysis, checks: withInconclusive })?.status).toBe('Inconclusive');
  });

  it('names a failed traffic split as degraded unless a metric already is', () => {
    const srm = { ...analysis.srm, result: 'Fail' as const, reason: 'canary share 4% vs expected 10%' };
    const calm = [{ ...check, status: 'Watch' as const }];
    expect(worstCheck({ checks: calm, srm })).toEqual({
      name: 'traffic split',
      status: 'Degraded',
      reason: 'canary share 4% vs expected 10%',
    });
    expect(worstCheck({ checks: analysis.checks, srm })?.name).toBe('latency_p99');
  });

  it('is null without checks', () => {
    expect(worstCheck({ checks: [], srm: { ...analysis.srm, result: 'n/a' } })).toBeNull();
  });
});
