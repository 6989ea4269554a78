import { ArmAggregate } from './arm-aggregate.js';
import type { SpanObservation } from './observation.js';

/** A span observation for tests, with overrides. */
export function span(overrides: Partial<SpanObservation> = {}): SpanObservation {
  return {
    flagKey: 'support-prompts',
    variant: '2.4.0',
    splitAssigned: true,
    endTimeMs: 0,
    durationMs: 1000,
    error: false,
    attributes: {},
    ...overrides,
  };
}

/** An arm with `n` spans of which `errors` failed, all lasting `durationMs`. */
export function rateArm(n: number, errors: number, durationMs = 1000): ArmAggregate {
  const agg = new ArmAggregate();
  if (errors > 0) agg.addSpan(span({ error: true, durationMs }), errors);
  if (n - errors > 0) agg.addSpan(span({ durationMs }), n - errors);
  return agg;
}
