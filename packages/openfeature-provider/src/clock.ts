/**
 * Time as the provider sees it: the wall clock for evaluations and staleness, and the timers of the connection
 * (the init timeout, the error grace period, reconnect and poll delays, the stream heartbeat). Tests pass a
 * `ManualClock` (`@prompt-canary/openfeature-provider/testing`) and move time by hand.
 *
 * Only `now` is required, so that `{ now: () => fixedTime }` keeps working: a clock without `setTimeout` and
 * `clearTimeout` runs its timers on the system's.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Runs `callback` once after `delayMs`; returns a handle for {@link Clock.clearTimeout}. */
  setTimeout?(callback: () => void, delayMs: number): unknown;
  /** Cancels a timer set by {@link Clock.setTimeout}; a handle already fired or cleared is ignored. */
  clearTimeout?(handle: unknown): void;
}

/** A {@link Clock} with its timers: what the connection runs on. */
export type TimerClock = Required<Clock>;

/** The real clock: `Date.now()` and the global timers. */
export class SystemClock implements TimerClock {
  /** Milliseconds since the Unix epoch. */
  now(): number {
    return Date.now();
  }

  /** A global `setTimeout`. */
  setTimeout(callback: () => void, delayMs: number): unknown {
    return setTimeout(callback, delayMs);
  }

  /** A global `clearTimeout`. */
  clearTimeout(handle: unknown): void {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  }
}

/** `clock` with timers: its own when it has both, the system's otherwise. */
export function withTimers(clock: Clock): TimerClock {
  const { setTimeout: set, clearTimeout: clear } = clock;
  if (typeof set === 'function' && typeof clear === 'function') return clock as TimerClock;
  const system = new SystemClock();
  return {
    now: () => clock.now(),
    setTimeout: (callback, delayMs) => system.setTimeout(callback, delayMs),
    clearTimeout: (handle) => system.clearTimeout(handle),
  };
}
