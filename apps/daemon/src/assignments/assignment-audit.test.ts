import { type Flag, type FlagSet, TOTAL_BUCKETS } from '@prompt-canary/rules';
import { describe, expect, it } from 'vitest';
import { AssignmentAudit } from './assignment-audit.js';
import { expectedVariant } from './expected-variant.js';

const T0 = Date.UTC(2026, 11, 2, 4);

function packFlag(canaryWeight: number, window?: Flag['rules']): Flag {
  return {
    key: 'p',
    state: 'ENABLED',
    variants: { '1': '1', '2': '2' },
    defaultVariant: '1',
    rules: [
      { segment: { plan: 'internal' }, serve: { variant: '2' } },
      ...(window ?? []),
      {
        serve: {
          split: {
            arms: [
              { variant: '2', weight: canaryWeight },
              { variant: '1', weight: 100 - canaryWeight },
            ],
          },
        },
      },
    ],
  };
}

describe('expectedVariant', () => {
  it("picks the split's arm by bucket, past segment rules, in the rule whose window holds", () => {
    const flag = packFlag(10);
    expect(expectedVariant(flag, 0, T0)).toBe('2');
    expect(expectedVariant(flag, 999, T0)).toBe('2');
    expect(expectedVariant(flag, 1000, T0)).toBe('1');
    expect(expectedVariant(flag, TOTAL_BUCKETS - 1, T0)).toBe('1');
    expect(expectedVariant({ ...flag, state: 'DISABLED' }, 0, T0)).toBeUndefined();
  });
});

describe('AssignmentAudit', () => {
  function audit(now = { ms: T0 }) {
    const a = new AssignmentAudit({ now: () => now.ms, currentRevision: () => 12 });
    a.remember(3, { p: packFlag(10) } as FlagSet);
    a.remember(12, { p: packFlag(10) } as FlagSet);
    return a;
  }
  const served = (instance: string, bucket: number, variant: string, revision = 12) => ({
    flagKey: 'p',
    instance,
    revision,
    bucket,
    variant,
    startMs: T0,
  });

  it('fails naming the instance that serves the canary to everyone, with its rate; the faithful one passes', () => {
    const a = audit();
    for (let b = 0; b < 10_000; b += 100) {
      a.served(served('good', b, b < 1000 ? '2' : '1'));
      a.served(served('bad', b, '2'));
    }
    const verdict = a.verdict('p', T0);
    expect(verdict.result).toBe('Fail');
    expect(verdict.mismatched).toEqual([{ instance: 'bad', checked: 100, mismatched: 90, rate: 0.9 }]);
    expect(verdict.reason).toBe(
      'assignment mismatch: app instance bad served 90.0% of 100 split-assigned requests a variant other than assigned',
    );
  });

  it('passes a faithful instance, reports one lagging revisions behind, and waits for enough requests', () => {
    const a = audit();
    for (let b = 0; b < 10_000; b += 250) a.served(served('good', b, b < 1000 ? '2' : '1'));
    expect(a.verdict('p', T0)).toMatchObject({
      result: 'Pass',
      reason: '1 app instance serves what the split assigns',
    });
    for (let b = 0; b < 10_000; b += 1000) a.served(served('old', b, b < 1000 ? '2' : '1', 3));
    const verdict = a.verdict('p', T0);
    expect(verdict.result).toBe('Pass');
    expect(verdict.lagging).toEqual([{ instance: 'old', revision: 3, behind: 9 }]);
    expect(verdict.reason).toContain('app instance old evaluates 9 revisions behind (revision 3)');
    expect(audit().verdict('p', T0).result).toBe('n/a');
  });

  it('forgets requests older than its window and does not count revisions it never saw', () => {
    const now = { ms: T0 };
    const a = audit(now);
    for (let b = 0; b < 10_000; b += 100) a.served(served('bad', b, '2'));
    a.served(served('unknown', 0, '1', 99));
    now.ms = T0 + 11 * 60_000;
    expect(a.verdict('p', T0).result).toBe('n/a');
  });
});
