import { type Attributes, type Context, propagation, type Span, trace } from '@opentelemetry/api';
import { FLAG_KEY_PATTERN, TelemetryAttributes } from '@prompt-canary/rules';

/**
 * The W3C baggage entry that carries flag assignments to downstream services. Its value is `key=variant` pairs
 * joined by commas, the key and the variant each URL-encoded (`encodeURIComponent`) before joining; the baggage
 * propagator percent-encodes the whole value once more on the wire, as it does every baggage value.
 */
export const ASSIGNMENTS_BAGGAGE_ENTRY = 'promptcanary.assignments';

/**
 * Marks a span of a downstream service (`true`) whose assignment came in the {@link ASSIGNMENTS_BAGGAGE_ENTRY}
 * baggage entry, on the span's attributes and on each `feature_flag.evaluation` event copied from the entry.
 */
export const PROMPTCANARY_DOWNSTREAM = TelemetryAttributes.DOWNSTREAM;

/** Pairs read from, or written into, one entry at most; those beyond are dropped (and counted when read). */
export const MAX_ASSIGNMENT_PAIRS = 32;

/** The longest variant accepted, in characters before encoding. Keys follow the flag key rule (128 characters). */
export const MAX_VARIANT_LENGTH = 256;

/** The longest entry value written or read, in characters (the W3C baggage limit for one entry is 4 096 bytes). */
export const MAX_ASSIGNMENTS_VALUE_LENGTH = 4096;

/** One flag assignment as it travels downstream: the flag's key and the variant served, nothing else. */
export interface FlagAssignment {
  readonly flagKey: string;
  readonly variant: string;
}

/** The assignments read from an entry value, and how many pairs were skipped as unusable. */
export interface ParsedAssignments {
  readonly assignments: FlagAssignment[];
  /** Pairs skipped: malformed, not a flag key, a variant too long or empty, beyond the cap, or a value too long. */
  readonly rejected: number;
}

/** Whether `flagKey` and `variant` can travel: a valid flag key and a non-empty variant of bounded length. */
export function isTransportableAssignment(flagKey: unknown, variant: unknown): boolean {
  return (
    typeof flagKey === 'string' &&
    FLAG_KEY_PATTERN.test(flagKey) &&
    typeof variant === 'string' &&
    variant !== '' &&
    variant.length <= MAX_VARIANT_LENGTH
  );
}

/**
 * The entry value of `assignments`: one pair per flag (the last assignment of a key wins, in the place of its first),
 * at most {@link MAX_ASSIGNMENT_PAIRS} and {@link MAX_ASSIGNMENTS_VALUE_LENGTH} characters; pairs that cannot travel
 * (see {@link isTransportableAssignment}) or do not fit are left out. `''` when none is left.
 */
export function formatAssignments(assignments: Iterable<FlagAssignment>): string {
  const byKey = new Map<string, string>();
  for (const { flagKey, variant } of assignments) {
    if (isTransportableAssignment(flagKey, variant)) byKey.set(flagKey, variant);
  }
  let value = '';
  let pairs = 0;
  for (const [flagKey, variant] of byKey) {
    if (pairs === MAX_ASSIGNMENT_PAIRS) break;
    const pair = `${encodeURIComponent(flagKey)}=${encodeURIComponent(variant)}`;
    const next = value === '' ? pair : `${value},${pair}`;
    if (next.length > MAX_ASSIGNMENTS_VALUE_LENGTH) continue;
    value = next;
    pairs++;
  }
  return value;
}

/**
 * The assignments of an entry value (as the baggage API gives it, the wire encoding already undone). Never throws:
 * anything unusable is skipped and counted in `rejected` — a pair without `=`, a key or variant that does not decode,
 * is not a flag key, or is empty or too long, pairs beyond {@link MAX_ASSIGNMENT_PAIRS}, or a value longer than
 * {@link MAX_ASSIGNMENTS_VALUE_LENGTH} (all of it rejected, as one). A key given twice keeps its last variant.
 */
export function parseAssignments(value: unknown): ParsedAssignments {
  if (typeof value !== 'string') return { assignments: [], rejected: value === undefined ? 0 : 1 };
  if (value.length > MAX_ASSIGNMENTS_VALUE_LENGTH) return { assignments: [], rejected: 1 };
  const byKey = new Map<string, string>();
  let rejected = 0;
  let seen = 0;
  for (const raw of value.split(',')) {
    const pair = raw.trim();
    if (pair === '') continue;
    if (++seen > MAX_ASSIGNMENT_PAIRS) {
      rejected++;
      continue;
    }
    const equals = pair.indexOf('=');
    const flagKey = equals > 0 ? decoded(pair.slice(0, equals).trim()) : undefined;
    const variant = equals > 0 ? decoded(pair.slice(equals + 1).trim()) : undefined;
    if (!isTransportableAssignment(flagKey, variant)) {
      rejected++;
      continue;
    }
    byKey.set(flagKey as string, variant as string);
  }
  return { assignments: [...byKey].map(([flagKey, variant]) => ({ flagKey, variant })), rejected };
}

/** `text` URL-decoded, or `undefined` when it is not valid percent-encoding. */
function decoded(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** The assignments in the {@link ASSIGNMENTS_BAGGAGE_ENTRY} of `ctx`'s baggage (none without baggage or entry). */
export function assignmentsInContext(ctx: Context): ParsedAssignments {
  return parseAssignments(propagation.getBaggage(ctx)?.getEntry(ASSIGNMENTS_BAGGAGE_ENTRY)?.value);
}

/**
 * `ctx` with `assignments` added to the {@link ASSIGNMENTS_BAGGAGE_ENTRY} of its baggage (merged with the pairs
 * already there, a key given again taking the new variant; the other baggage entries kept). Run an outgoing call in
 * it to send the assignments with any W3C baggage propagator, without {@link AssignmentBaggagePropagator}:
 *
 * @example
 * ```ts
 * const details = await client.getStringDetails('support-prompts', '2.3.1', { targetingKey: sessionId });
 * const ctx = withAssignments(context.active(), [{ flagKey: 'support-prompts', variant: details.variant ?? details.value }]);
 * await context.with(ctx, () => fetch('http://answer-parser/parse', { method: 'POST', body }));
 * ```
 */
export function withAssignments(ctx: Context, assignments: Iterable<FlagAssignment>): Context {
  const additions = [...assignments];
  if (additions.length === 0) return ctx;
  const value = formatAssignments([...assignmentsInContext(ctx).assignments, ...additions]);
  if (value === '') return ctx;
  const baggage = propagation.getBaggage(ctx) ?? propagation.createBaggage();
  return propagation.setBaggage(ctx, baggage.setEntry(ASSIGNMENTS_BAGGAGE_ENTRY, { value }));
}

/** The part of an SDK span (`ReadableSpan`) read for its recorded evaluations. */
interface RecordedEvents {
  readonly events?: ReadonlyArray<{ readonly name: string; readonly attributes?: Attributes }>;
}

/**
 * The assignments of `flags` recorded on the span of `ctx` by `FlagSpanHook` (its `feature_flag.evaluation`
 * events, including those `FlagSpanProcessor` copied from its ancestors), in evaluation order. Events that came
 * from baggage (marked downstream) are left out: the baggage of the context carries them already.
 */
export function recordedAssignments(ctx: Context, flags: ReadonlySet<string>): FlagAssignment[] {
  const span = trace.getSpan(ctx) as (Span & RecordedEvents) | undefined;
  const events = span?.events;
  if (!Array.isArray(events)) return [];
  const found: FlagAssignment[] = [];
  for (const event of events) {
    const attributes = event.attributes;
    if (event.name !== TelemetryAttributes.FLAG_EVALUATION_EVENT || attributes === undefined) continue;
    if (attributes[PROMPTCANARY_DOWNSTREAM] === true) continue;
    const flagKey = attributes[TelemetryAttributes.FLAG_KEY];
    const variant = attributes[TelemetryAttributes.FLAG_VARIANT];
    if (typeof flagKey === 'string' && flags.has(flagKey) && typeof variant === 'string') {
      found.push({ flagKey, variant });
    }
  }
  return found;
}
