/** A trace drawn for evaluation: what the hook receives per trace. */
export interface DrawnTrace {
  readonly traceId: string;
  readonly variant: string;
  /** End of the request, epoch ms. */
  readonly endMs: number;
}

/**
 * A uniform sample of at most `size` traces from everything offered since the last {@link TraceReservoir.draw}
 * (reservoir sampling, Vitter's algorithm R): memory stays `size` entries whatever the traffic, and every trace
 * offered has the same chance `size / offered` of being in the draw.
 *
 * @example
 * const reservoir = new TraceReservoir(50, Math.random);
 * reservoir.offer({ traceId, variant: '2.4.0', endMs });
 * const batch = reservoir.draw(); // up to 50 traces, and the reservoir starts afresh
 */
export class TraceReservoir {
  readonly #size: number;
  readonly #random: () => number;
  #items: DrawnTrace[] = [];
  #seen = 0;

  /** `random` returns a number in [0, 1), as `Math.random` does. */
  constructor(size: number, random: () => number) {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`size must be a positive integer, got ${size}`);
    this.#size = size;
    this.#random = random;
  }

  /** Traces offered since the last draw. */
  get seen(): number {
    return this.#seen;
  }

  /** Offers one trace. */
  offer(trace: DrawnTrace): void {
    this.#seen++;
    if (this.#items.length < this.#size) {
      this.#items.push(trace);
      return;
    }
    // Keep the new trace with probability size/seen, in place of a uniformly chosen one.
    const slot = Math.floor(this.#random() * this.#seen);
    if (slot < this.#size) this.#items[slot] = trace;
  }

  /** The sample, and a fresh start. */
  draw(): DrawnTrace[] {
    const out = this.#items;
    this.#items = [];
    this.#seen = 0;
    return out;
  }
}
