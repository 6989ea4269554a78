/** What a unit was last served of one flag: the variant and the OpenFeature reason of that evaluation. */
export interface Assignment {
  readonly variant: string;
  /** The evaluation's reason (`SPLIT`, `TARGETING_MATCH`, …), when it gave one. */
  readonly reason?: string;
}

/** Longest reason canaryd accepts in a tracking event; a longer (custom) one is not kept, so it cannot void a batch. */
const MAX_REASON_LENGTH = 64;

/**
 * Remembers the last assignment (variant and reason) served per (targeting key, flag key), for at most `maxUnits`
 * targeting keys; the oldest unit is forgotten first. Tracking events use it to say which variant the unit saw and
 * how it was assigned (split or segment), so canaryd compares the feedback within the right traffic.
 */
export class AssignmentMemory {
  readonly #units = new Map<string, Map<string, Assignment>>();

  constructor(private readonly maxUnits: number) {}

  /** Records that `targetingKey` was served `variant` of `flagKey`, for `reason`. */
  remember(targetingKey: string, flagKey: string, variant: string, reason?: string): void {
    let flags = this.#units.get(targetingKey);
    if (flags === undefined) {
      if (this.maxUnits <= 0) return;
      if (this.#units.size >= this.maxUnits) {
        const oldest = this.#units.keys().next();
        if (oldest.done !== true) this.#units.delete(oldest.value);
      }
      flags = new Map();
      this.#units.set(targetingKey, flags);
    }
    const sendable = reason !== undefined && reason !== '' && reason.length <= MAX_REASON_LENGTH;
    flags.set(flagKey, sendable ? { variant, reason } : { variant });
  }

  /** The last assignment of `flagKey` served to `targetingKey`, if known. */
  assignmentOf(targetingKey: string, flagKey: string): Assignment | undefined {
    return this.#units.get(targetingKey)?.get(flagKey);
  }

  /** Every (flag key → assignment) served to `targetingKey`, most recent config first in insertion order. */
  assignmentsOf(targetingKey: string): ReadonlyMap<string, Assignment> {
    return this.#units.get(targetingKey) ?? new Map();
  }

  /** How many units are remembered. */
  get size(): number {
    return this.#units.size;
  }
}
