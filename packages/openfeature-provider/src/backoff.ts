/** Settings for reconnect delays. */
export interface BackoffOptions {
  /** First delay, in milliseconds. */
  readonly initialMs: number;
  /** Upper bound of any delay, in milliseconds. */
  readonly maxMs: number;
}

/**
 * Exponential backoff with full jitter: the n-th delay is drawn uniformly from `[base/2, base]` where `base` doubles
 * from `initialMs` up to `maxMs`. Half the delay stays fixed so that a fleet of providers cut off together does not
 * come back in one burst, yet none of them waits much longer than the ceiling.
 */
export class Backoff {
  #attempt = 0;

  constructor(
    private readonly options: BackoffOptions,
    private readonly random: () => number,
  ) {}

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    const base = Math.min(this.options.maxMs, this.options.initialMs * 2 ** Math.min(this.#attempt, 30));
    this.#attempt += 1;
    return base / 2 + (base / 2) * this.random();
  }

  /** Forgets past failures, after a connection that worked. */
  reset(): void {
    this.#attempt = 0;
  }
}
