import type { TimerClock } from '../clock.js';

interface PendingTimer {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
}

/**
 * A clock that moves only when told to: timers fire, in due order, during {@link ManualClock.advance}. Hand it to
 * `PromptCanaryProvider` as `clock` to test staleness, the error grace period or the init timeout without waiting.
 *
 * @example
 * ```ts
 * const clock = new ManualClock();
 * const provider = new PromptCanaryProvider({ baseUrl, token, clock, errorGracePeriod: '30s' });
 * clock.advance(30_000); // the grace timer fires now, not in 30 s
 * ```
 */
export class ManualClock implements TimerClock {
  #now: number;
  #seq = 0;
  #timers: PendingTimer[] = [];

  /** @param startMs the time to start at, in milliseconds since the epoch */
  constructor(startMs = Date.parse('2025-01-01T00:00:00.000Z')) {
    this.#now = startMs;
  }

  /** The current manual time. */
  now(): number {
    return this.#now;
  }

  /** Schedules `callback` at `now() + delayMs`; it runs during a later {@link ManualClock.advance}. */
  setTimeout(callback: () => void, delayMs: number): unknown {
    const timer: PendingTimer = { at: this.#now + Math.max(0, delayMs), seq: this.#seq++, callback };
    this.#timers.push(timer);
    return timer;
  }

  /** Forgets a pending timer. */
  clearTimeout(handle: unknown): void {
    this.#timers = this.#timers.filter((timer) => timer !== handle);
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way (timers set by timers included). */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      const due = this.#timers
        .filter((timer) => timer.at <= target)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (due === undefined) break;
      this.#timers = this.#timers.filter((timer) => timer !== due);
      this.#now = Math.max(this.#now, due.at);
      due.callback();
    }
    this.#now = target;
  }

  /** How many timers are waiting. */
  get pendingTimers(): number {
    return this.#timers.length;
  }
}
