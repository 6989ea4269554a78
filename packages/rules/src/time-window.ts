import type { TimeWindow, Weekday } from './model.js';

/** A daily window as minutes since midnight UTC: start inclusive, end exclusive; `start > end` wraps midnight. */
export interface DailyWindow {
  readonly startMinute: number;
  readonly endMinute: number;
}

/**
 * A time window prepared for evaluation: the timestamps parsed, the days folded into a bit mask.
 */
export interface CompiledTimeWindow {
  /** Whether the window is open at `nowMs` (milliseconds since the epoch). */
  matches(nowMs: number): boolean;
}

/** Weekdays in `Date.prototype.getUTCDay` order (Sunday is 0). */
export const WEEKDAYS: ReadonlyArray<Weekday> = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const MINUTE_MS = 60_000;
const MINUTES_PER_DAY = 1440;
const ALL_DAYS = 0b111_1111;
/** Day 0 of the epoch, 1970-01-01, was a Thursday. */
const EPOCH_WEEKDAY = 4;

type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

const DAILY_PATTERN = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})(?: UTC)?$/;

/**
 * Checks a daily window text (`HH:MM-HH:MM`, optionally followed by ` UTC`) and explains what is wrong with it.
 * Used by validation, which wants a reason rather than an exception.
 */
export function checkDailyWindow(text: string): Checked<DailyWindow> {
  const match = DAILY_PATTERN.exec(text);
  if (!match) {
    return {
      ok: false,
      problem: `"${text}" is not a daily window: expected HH:MM-HH:MM with two-digit hours and minutes, e.g. "22:00-02:00"`,
    };
  }
  const [, sh, sm, eh, em] = match.map(Number) as [number, number, number, number, number];
  for (const [hours, minutes, label] of [
    [sh, sm, 'start'],
    [eh, em, 'end'],
  ] as const) {
    if (hours > 23)
      return { ok: false, problem: `${label} hour ${hours} is out of range 00-23 in "${text}"` };
    if (minutes > 59)
      return { ok: false, problem: `${label} minute ${minutes} is out of range 00-59 in "${text}"` };
  }
  const startMinute = sh * 60 + sm;
  const endMinute = eh * 60 + em;
  if (startMinute === endMinute) {
    return { ok: false, problem: `"${text}" is a nonsense window: start and end are the same time` };
  }
  return { ok: true, value: { startMinute, endMinute } };
}

/**
 * Parses a daily UTC window such as `"22:00-02:00"` (PromptPacks write `"22:00-02:00 UTC"`, also accepted) into
 * minutes since midnight. Throws an `Error` naming the problem for malformed text, out-of-range times and windows
 * whose start equals their end.
 *
 * @example
 * parseDailyWindow('22:00-02:00 UTC'); // { startMinute: 1320, endMinute: 120 }
 */
export function parseDailyWindow(text: string): DailyWindow {
  const checked = checkDailyWindow(text);
  if (!checked.ok) throw new Error(checked.problem);
  return checked.value;
}

const TIMESTAMP_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Checks an ISO 8601 timestamp with a `Z` or `±HH:MM` offset on a whole second (a fraction of zeros is allowed)
 * and returns its epoch milliseconds, or a reason.
 */
export function checkTimestamp(text: string): Checked<number> {
  const match = TIMESTAMP_PATTERN.exec(text);
  if (!match) {
    return { ok: false, problem: `"${text}" is not an ISO timestamp: expected e.g. "2025-06-01T09:00:00Z"` };
  }
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const fraction = match[7];
  const zone = match[8] as string;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return { ok: false, problem: `"${text}" is not a valid date` };
  }
  if (hour > 23 || minute > 59 || second > 59) {
    return { ok: false, problem: `"${text}" is not a valid time of day` };
  }
  if (fraction !== undefined && /[1-9]/.test(fraction)) {
    return { ok: false, problem: `"${text}" is not on a whole second` };
  }
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 23 || om > 59) return { ok: false, problem: `"${text}" has an invalid UTC offset` };
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  return {
    ok: true,
    value: Date.UTC(year, month - 1, day, hour, minute, second) - offsetMinutes * MINUTE_MS,
  };
}

function timestampOrThrow(text: string): number {
  const checked = checkTimestamp(text);
  if (!checked.ok) throw new Error(checked.problem);
  return checked.value;
}

class PreparedTimeWindow implements CompiledTimeWindow {
  constructor(
    private readonly startMinute: number,
    /** -1 when the window has no daily part. */
    private readonly endMinute: number,
    private readonly daysMask: number,
    private readonly fromMs: number,
    private readonly untilMs: number,
  ) {}

  matches(nowMs: number): boolean {
    if (nowMs < this.fromMs || nowMs >= this.untilMs) return false;
    const hasDaily = this.endMinute >= 0;
    if (!hasDaily && this.daysMask === ALL_DAYS) return true;
    const minutes = Math.floor(nowMs / MINUTE_MS);
    let day = Math.floor(minutes / MINUTES_PER_DAY);
    if (hasDaily) {
      const minuteOfDay = minutes - day * MINUTES_PER_DAY;
      const start = this.startMinute;
      const end = this.endMinute;
      if (start < end) {
        if (minuteOfDay < start || minuteOfDay >= end) return false;
      } else if (minuteOfDay < end) {
        // The part after midnight of a wrapping window belongs to the day the window started: yesterday.
        day -= 1;
      } else if (minuteOfDay < start) {
        return false;
      }
    }
    const weekday = (((day + EPOCH_WEEKDAY) % 7) + 7) % 7;
    return (this.daysMask & (1 << weekday)) !== 0;
  }
}

/**
 * Prepares a validated time window for repeated evaluation. Throws on malformed parts (validation reports them
 * with paths first).
 */
export function compileTimeWindow(window: TimeWindow): CompiledTimeWindow {
  const daily = window.daily === undefined ? undefined : parseDailyWindow(window.daily);
  let daysMask = ALL_DAYS;
  if (window.days !== undefined) {
    daysMask = 0;
    for (const day of window.days) daysMask |= 1 << WEEKDAYS.indexOf(day);
  }
  return new PreparedTimeWindow(
    daily?.startMinute ?? 0,
    daily?.endMinute ?? -1,
    daysMask,
    window.from === undefined ? Number.NEGATIVE_INFINITY : timestampOrThrow(window.from),
    window.until === undefined ? Number.POSITIVE_INFINITY : timestampOrThrow(window.until),
  );
}

/**
 * Whether a time window is open at `nowMs`, in UTC: the daily part start inclusive and end exclusive (wrapping
 * midnight when start > end), `days` checked against the day the daily window started, `from` inclusive and
 * `until` exclusive. Compiles the window on each call; evaluators hold a `compileTimeWindow` result instead.
 *
 * @example
 * windowMatches({ daily: '22:00-02:00', days: ['fri'] }, Date.UTC(2025, 5, 7, 1, 0)); // Sat 01:00 → true
 */
export function windowMatches(window: TimeWindow, nowMs: number): boolean {
  return compileTimeWindow(window).matches(nowMs);
}
