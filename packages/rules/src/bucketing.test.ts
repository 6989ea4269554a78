import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { armUpperBounds, bucketOf, TOTAL_BUCKETS, weightToBuckets } from './bucketing.js';
import { compileFlag } from './compile-flag.js';
import type { Flag } from './model.js';
import { murmur3 } from './murmur3.js';

function canaryFlag(key: string, canaryBuckets: number): Flag {
  return {
    key,
    state: 'ENABLED',
    variants: { canary: '2.4.0', stable: '2.3.0' },
    defaultVariant: 'stable',
    rules: [
      {
        serve: {
          split: {
            arms: [
              { variant: 'canary', weight: canaryBuckets / 100 },
              { variant: 'stable', weight: (TOTAL_BUCKETS - canaryBuckets) / 100 },
            ],
          },
        },
      },
    ],
  };
}

describe('weightToBuckets', () => {
  test('converts every two-decimal percentage to its exact number of buckets', () => {
    for (let buckets = 0; buckets <= TOTAL_BUCKETS; buckets++) {
      expect(weightToBuckets(buckets / 100)).toBe(buckets);
    }
    expect(weightToBuckets(0.01)).toBe(1);
    expect(weightToBuckets(33.33)).toBe(3333);
    expect(weightToBuckets(0.29)).toBe(29);
  });
});

describe('bucketOf', () => {
  test('is floor(hash * total / 2^32), flagd fractional v2 arithmetic', () => {
    const hash = murmur3('fractional-flagjack');
    expect(bucketOf('fractional-flagjack', 100)).toBe(Math.floor((hash * 100) / 2 ** 32));
    expect(bucketOf('fractional-flagjack', 100)).toBe(62);
    expect(bucketOf('fractional-flagjack', TOTAL_BUCKETS)).toBe(6246);
  });

  test('stays within 0 to total - 1', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 1_000_000 }), (input, total) => {
        const bucket = bucketOf(input, total);
        expect(bucket).toBeGreaterThanOrEqual(0);
        expect(bucket).toBeLessThan(total);
      }),
      { seed: 42, numRuns: 1000 },
    );
  });

  test('lays arms out in listed order: each arm owns the buckets after the previous ones', () => {
    expect(armUpperBounds([10, 0, 33.33, 56.67])).toEqual([1000, 1000, 4333, 10000]);
  });
});

describe('splits', () => {
  test('a unit in the canary at one weight stays in it at any higher weight (monotonic ramp)', () => {
    const unit = fc.oneof(fc.string({ minLength: 1 }), fc.uuid());
    const weights = fc
      .tuple(fc.integer({ min: 0, max: TOTAL_BUCKETS }), fc.integer({ min: 0, max: TOTAL_BUCKETS }))
      .map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const);
    fc.assert(
      fc.property(
        fc.constantFrom('support-prompts', 'checkout', 'A/b:c'),
        unit,
        weights,
        (key, targetingKey, [low, high]) => {
          const atLow = compileFlag(canaryFlag(key, low)).evaluate({ targetingKey }, 0);
          const atHigh = compileFlag(canaryFlag(key, high)).evaluate({ targetingKey }, 0);
          if (atLow.variant === 'canary') expect(atHigh.variant).toBe('canary');
          if (atHigh.variant === 'stable') expect(atLow.variant).toBe('stable');
        },
      ),
      { seed: 1337, numRuns: 2000 },
    );
  });

  test('the same context gets the same variant every time and after recompiling the flag (stickiness)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.integer({ min: 0, max: TOTAL_BUCKETS }),
        (targetingKey, buckets) => {
          const flag = canaryFlag('support-prompts', buckets);
          const first = compileFlag(flag).evaluate({ targetingKey }, 0);
          const again = compileFlag(JSON.parse(JSON.stringify(flag)) as Flag).evaluate(
            { targetingKey },
            1e12,
          );
          expect(again.variant).toBe(first.variant);
          expect(compileFlag(flag).evaluate({ targetingKey }, 0)).toEqual(first);
        },
      ),
      { seed: 99, numRuns: 1000 },
    );
  });

  test('serves each whole-percent canary weight to its share of 100k units, within 4 standard errors', () => {
    const flagKey = 'support-prompts';
    const units = 100_000;
    // Hash each unit once; each weight then only needs the count of units below its threshold.
    const perBucket = new Uint32Array(TOTAL_BUCKETS);
    for (let i = 0; i < units; i++) {
      const bucket = bucketOf(`${flagKey}user-${i}`, TOTAL_BUCKETS);
      perBucket[bucket] = (perBucket[bucket] as number) + 1;
    }
    const below = new Uint32Array(TOTAL_BUCKETS + 1);
    for (let bucket = 0; bucket < TOTAL_BUCKETS; bucket++) {
      below[bucket + 1] = (below[bucket] as number) + (perBucket[bucket] as number);
    }
    const outliers: string[] = [];
    for (let weight = 1; weight <= 99; weight++) {
      const expected = weight / 100;
      const observed = (below[weightToBuckets(weight)] as number) / units;
      const standardError = Math.sqrt((expected * (1 - expected)) / units);
      if (Math.abs(observed - expected) > 4 * standardError)
        outliers.push(`${weight}%: observed ${observed}`);
    }
    expect(outliers).toEqual([]);
  });

  test('the evaluator assigns exactly the units the bucket arithmetic predicts', () => {
    const flag = compileFlag(canaryFlag('support-prompts', 1000));
    let canary = 0;
    let predicted = 0;
    for (let i = 0; i < 20_000; i++) {
      const targetingKey = `user-${i}`;
      if (flag.evaluate({ targetingKey }, 0).variant === 'canary') canary++;
      if (bucketOf(`support-prompts${targetingKey}`, TOTAL_BUCKETS) < 1000) predicted++;
    }
    expect(canary).toBe(predicted);
    expect(canary / 20_000).toBeCloseTo(0.1, 1);
  });
});
