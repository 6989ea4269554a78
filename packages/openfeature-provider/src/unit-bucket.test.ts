import { compileFlag, parseFlag } from '@prompt-canary/rules';
import { describe, expect, it } from 'vitest';
import { FeatureFlagAttributeCache, unitBucket } from './feature-flag-attributes.js';

const flag = compileFlag(
  parseFlag({
    key: 'support-prompts',
    state: 'ENABLED',
    variants: { '2.3.1': '2.3.1', '2.4.0': '2.4.0' },
    defaultVariant: '2.3.1',
    rules: [
      {
        serve: {
          split: {
            arms: [
              { variant: '2.4.0', weight: 30 },
              { variant: '2.3.1', weight: 70 },
            ],
          },
        },
      },
    ],
  }),
);

describe('promptcanary.bucket', () => {
  it("is the bucket the split compared with its arms' bounds, for every unit", () => {
    for (let i = 0; i < 500; i++) {
      const unit = `session-${i}`;
      const details = flag.evaluate({ targetingKey: unit }, 0);
      // The canary arm holds buckets 0–2999 (30% of 10,000).
      expect(unitBucket('support-prompts', unit) < 3000, unit).toBe(details.variant === '2.4.0');
    }
  });

  it('goes on the span with the unit, and not without one', () => {
    const cache = new FeatureFlagAttributeCache();
    const details = {
      ...flag.evaluate({ targetingKey: 'session-7' }, 0),
      flagKey: 'support-prompts',
      value: '2.4.0',
    };
    const hookContext = { flagKey: 'support-prompts', providerMetadata: { name: 'prompt-canary' } };
    const withUnit = cache.of({ ...hookContext, context: { targetingKey: 'session-7' } }, details as never);
    expect(withUnit['promptcanary.bucket']).toBe(unitBucket('support-prompts', 'session-7'));
    expect(withUnit['promptcanary.bucket']).toBeGreaterThanOrEqual(0);
    expect(withUnit['promptcanary.bucket']).toBeLessThan(10_000);
    const without = cache.of({ ...hookContext, context: {} }, details as never);
    expect(without['promptcanary.bucket']).toBeUndefined();
  });
});
