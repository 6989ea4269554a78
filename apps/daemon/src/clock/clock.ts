/**
 * Time as the daemon sees it. Everything time-dependent takes a {@link Clock}, so that tests drive it with a
 * {@link ManualClock} and production runs on the {@link SystemClock}.
 *
 * `timeScale` speeds up rollout durations (steps, intervals, segment durations, `monitorFor`): a duration of `d`
 * milliseconds written in a pack takes `d / timeScale` milliseconds of real time. Schedule windows and every
 * timestamp stay on wall-clock time, so the daemon and its providers agree on them.
 */
export interface Clock {
  /** Wall-clock milliseconds since the epoch. */
  now(): number;
  /** How many times faster than real time rollout durations run (1 = real time). */
  readonly timeScale: number;
  /** Real milliseconds that a rollout duration of `durationMs` takes under the time scale. */
  scaleDuration(durationMs: number): number;
  /** Runs `fn` after `delayMs` real milliseconds; returns a function that cancels it. */
  setTimer(delayMs: number, fn: () => void): () => void;
}

function checkTimeScale(timeScale: number): number {
  if (!Number.isFinite(timeScale) || timeScale <= 0) {
    throw new RangeError(`timeScale must be a positive number, got ${timeScale}`);
  }
  return timeScale;
}

/** The real clock: `Date.now()` and Node timers (unref'd, so a pending timer never keeps the process alive). */
export class SystemClock implements Clock {
  readonly timeScale: number;

  constructor(timeScale = 1) {
    this.timeScale = checkTimeScale(timeScale);
  }

  now(): number {
    return Date.now();
  }

  scaleDuration(durationMs: number): number {
    return durationMs / this.timeScale;
  }

  setTimer(delayMs: number, fn: () => void): () => void {
    const handle = setTimeout(fn, Math.max(0, delayMs));
    handle.unref();
    return () => clearTimeout(handle);
  }
}

interface PendingTimer {
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * A clock that moves only when told to. Timers fire, in due order, during {@link ManualClock.advance}.
 *
 * @example
 * const clock = new ManualClock(Date.parse('2025-01-01T00:00:00Z'));
 * clock.setTimer(1000, () => console.log('tick'));
 * clock.advance(1000); // prints "tick"
 */
export class ManualClock implements Clock {
  readonly timeScale: number;
  #now: number;
  #seq = 0;
  #timers: PendingTimer[] = [];

  constructor(startMs = Date.parse('2025-01-01T00:00:00.000Z'), timeScale = 1) {
    this.#now = startMs;
    this.timeScale = checkTimeScale(timeScale);
  }

  now(): number {
    return this.#now;
  }

  scaleDuration(durationMs: number): number {
    return durationMs / this.timeScale;
  }

  setTimer(delayMs: number, fn: () => void): () => void {
    const timer: PendingTimer = { at: this.#now + Math.max(0, delayMs), seq: this.#seq++, fn };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way (timers set by timers included). */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      const due = this.#timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.#timers = this.#timers.filter((t) => t !== due);
      this.#now = Math.max(this.#now, due.at);
      due.fn();
    }
    this.#now = target;
  }

  /** Sets the time to `ms` (forward only), firing timers due by then. */
  set(ms: number): void {
    if (ms < this.#now) throw new RangeError('ManualClock cannot go back in time');
    this.advance(ms - this.#now);
  }

  /** How many timers are waiting. */
  get pendingTimers(): number {
    return this.#timers.length;
  }
}
