import { bucketOf, compileFlag, TOTAL_BUCKETS, weightToBuckets } from '@prompt-canary/rules';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { isWindowOpen } from '../packs/schedule-window.js';
import { compileRolloutFlag } from './compile-rollout-flag.js';
import { effectiveWeight } from './effective-weight.js';
import { isLive, promote, type Rollout, rollback } from './rollout-state.js';
import { startedRollout } from './testing/rollout-fixtures.js';

const T0 = Date.UTC(2026, 0, 5, 12);
const WEEK = 7 * 86_400_000;
const RUNS = { seed: 20_260_105, numRuns: 150 } as const;
/** Windows that never overlap, one of them wrapping midnight. */
const WINDOW_TEXTS = ['22:00-03:00', '03:00-09:00', '09:00-15:00', '15:00-22:00'] as const;

const weight = fc.integer({ min: 1, max: 10_000 }).map((buckets) => buckets / 100);

function windowsArb(kinds: ReadonlyArray<'canaryWeight' | 'capWeight'>) {
  if (kinds.length === 0) return fc.constant([]);
  return fc
    .tuple(
      ...WINDOW_TEXTS.map((window) =>
        fc.option(
          fc
            .record({ kind: fc.constantFrom(...kinds), weight })
            .map(({ kind, weight: w }) => ({ window, [kind]: w })),
        ),
      ),
    )
    .map((entries) => entries.filter((entry) => entry !== null));
}

const segmentsArb = fc
  .subarray([
    { name: 'gold', match: { tier: 'gold' }, duration: '1h' },
    { name: 'beta', match: { beta: true }, duration: '1h' },
  ])
  .chain((segments) =>
    fc.tuple(...segments.map((segment) => weight.map((w) => ({ ...segment, weight: w })))),
  );

function rampArb(options: { segments: boolean; kinds: ReadonlyArray<'canaryWeight' | 'capWeight'> }) {
  return fc.record({
    canaryWeight: fc.integer({ min: 1, max: 60 }),
    stepWeight: fc.integer({ min: 1, max: 40 }),
    schedule: windowsArb(options.kinds),
    segments: options.segments ? segmentsArb : fc.constant([]),
  });
}

const contextArb = fc.record({
  targetingKey: fc.string({ minLength: 1, maxLength: 12 }),
  tier: fc.constantFrom('gold', 'silver', undefined),
  beta: fc.boolean(),
});

function advanced(rollout: Rollout, promotions: number): Rollout {
  let current = rollout;
  for (let i = 0; i < promotions; i += 1) {
    const result = promote(current, { actor: 'p', nowMs: T0 });
    if (!result.ok || !isLive(result.rollout)) break;
    current = result.rollout;
  }
  return current;
}

function servesCanary(rollout: Rollout, context: Record<string, unknown>, nowMs: number): boolean {
  const flag = compileFlag(compileRolloutFlag({ pack: 'support-prompts', rollout, nowMs }));
  return flag.evaluate(context, nowMs).variant === rollout.canaryVersion;
}

function inSegment(context: { tier?: string | undefined; beta: boolean }, rollout: Rollout): boolean {
  return rollout.plan.segmentPhases.some((phase) =>
    phase.name === 'gold' ? context.tier === 'gold' : context.beta,
  );
}

describe('compiled rollout flags (property-based, fixed seed)', () => {
  test('never serve the canary above the current step weight, nor above an open window capWeight', () => {
    fc.assert(
      fc.property(
        rampArb({ segments: false, kinds: ['capWeight'] }),
        fc.nat(20),
        fc.integer({ min: 0, max: WEEK }),
        contextArb,
        (pack, promotions, offset, context) => {
          const rollout = advanced(startedRollout(pack, T0), promotions);
          const nowMs = T0 + offset;
          const open = rollout.plan.windows.find((window) => isWindowOpen(window, nowMs));
          const bound = rollout.weight >= 100 ? 100 : Math.min(rollout.weight, open?.capWeight ?? 100);
          expect(effectiveWeight(rollout, nowMs)).toBe(bound);
          if (servesCanary(rollout, context, nowMs)) {
            expect(bucketOf(`support-prompts${context.targetingKey}`, TOTAL_BUCKETS)).toBeLessThan(
              weightToBuckets(bound),
            );
          }
        },
      ),
      RUNS,
    );
  });

  test('after a rollback every context gets the stable version', () => {
    fc.assert(
      fc.property(
        rampArb({ segments: true, kinds: ['canaryWeight', 'capWeight'] }),
        fc.nat(20),
        fc.integer({ min: 0, max: WEEK }),
        contextArb,
        (pack, promotions, offset, context) => {
          const live = advanced(startedRollout(pack, T0, {}), promotions);
          const result = rollback(live, { actor: 'p', nowMs: T0 });
          if (!result.ok) throw new Error(result.message);
          const flag = compileFlag(
            compileRolloutFlag({ pack: 'support-prompts', rollout: result.rollout, nowMs: T0 + offset }),
          );
          expect(flag.evaluate(context, T0 + offset).value).toBe('2.3.1');
          expect(effectiveWeight(result.rollout, T0 + offset)).toBe(0);
        },
      ),
      RUNS,
    );
  });

  test('a unit in the canary at step i stays in at step i+1 (outside segments, windows of both kinds)', () => {
    fc.assert(
      fc.property(
        rampArb({ segments: true, kinds: ['canaryWeight', 'capWeight'] }),
        fc.nat(20),
        fc.integer({ min: 0, max: WEEK }),
        contextArb,
        (pack, promotions, offset, context) => {
          const before = advanced(startedRollout(pack, T0), promotions);
          const after = advanced(before, 1);
          fc.pre(after !== before && !inSegment(context, before));
          const nowMs = T0 + offset;
          if (servesCanary(before, context, nowMs)) expect(servesCanary(after, context, nowMs)).toBe(true);
        },
      ),
      RUNS,
    );
  });

  test('a segment member in the canary at one step stays in at the next when there is no schedule', () => {
    fc.assert(
      fc.property(
        rampArb({ segments: true, kinds: [] }),
        fc.nat(20),
        contextArb,
        (pack, promotions, context) => {
          const before = advanced(startedRollout(pack, T0), promotions);
          const after = advanced(before, 1);
          fc.pre(after !== before);
          if (servesCanary(before, context, T0)) expect(servesCanary(after, context, T0)).toBe(true);
        },
      ),
      RUNS,
    );
  });
});
