/**
 * A bounded map that keeps what was used recently: two generations of at most `generationSize` entries each. A new
 * entry goes into the current generation; when that is full it becomes the previous one and the oldest generation
 * is dropped whole. A hit in the previous generation moves the entry forward. O(1) per call, no per-entry
 * bookkeeping, at most `2 × generationSize` entries.
 */
export class RecentMap<V> {
  readonly #generationSize: number;
  #current = new Map<string, V>();
  #previous = new Map<string, V>();

  /** @param generationSize entries per generation (at least 1) */
  constructor(generationSize: number) {
    this.#generationSize = Math.max(1, generationSize);
  }

  /** The value of `key`, if it was set recently. */
  get(key: string): V | undefined {
    const value = this.#current.get(key);
    if (value !== undefined) return value;
    const old = this.#previous.get(key);
    if (old !== undefined) this.set(key, old);
    return old;
  }

  /** Sets `key`, dropping the oldest generation when the current one is full. */
  set(key: string, value: V): void {
    if (this.#current.size >= this.#generationSize && !this.#current.has(key)) {
      this.#previous = this.#current;
      this.#current = new Map();
    }
    this.#current.set(key, value);
  }

  /** How many entries are held (both generations; a moved entry may count twice until its old generation goes). */
  get size(): number {
    return this.#current.size + this.#previous.size;
  }
}
