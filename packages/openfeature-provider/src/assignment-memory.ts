/**
 * Remembers the last variant served per (targeting key, flag key), for at most `maxUnits` targeting keys; the
 * oldest unit is forgotten first. Tracking events use it to say which variant the unit saw.
 */
export class AssignmentMemory {
  readonly #units = new Map<string, Map<string, string>>();

  constructor(private readonly maxUnits: number) {}

  /** Records that `targetingKey` was served `variant` of `flagKey`. */
  remember(targetingKey: string, flagKey: string, variant: string): void {
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
    flags.set(flagKey, variant);
  }

  /** The last variant of `flagKey` served to `targetingKey`, if known. */
  variantOf(targetingKey: string, flagKey: string): string | undefined {
    return this.#units.get(targetingKey)?.get(flagKey);
  }

  /** Every (flag key → variant) served to `targetingKey`, most recent config first in insertion order. */
  assignmentsOf(targetingKey: string): ReadonlyMap<string, string> {
    return this.#units.get(targetingKey) ?? new Map();
  }

  /** How many units are remembered. */
  get size(): number {
    return this.#units.size;
  }
}
