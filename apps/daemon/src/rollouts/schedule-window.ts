/**
 * Schedule windows of a PromptPack (`"02:00-06:00 UTC"`, optional `days`, `from`, `until`), always in UTC
 * wall-clock time: parsing, whether one is open at an instant, and whether two can be open at once.
 */
import type { Weekday } from '@prompt-canary/rules';
import type { Parsed } from '../packs/pack-units.js';

/** A daily window in minutes since midnight UTC: start inclusive, end exclusive, wrapping when `end <= start`. */
export interface DailyMinutes {
  readonly startMinute: number;
  readonly endMinute: number;
}

/** The time-related part of a schedule window, as the rules model's `TimeWindow` spells it. */
export interface WindowTiming {
  readonly daily: string;
  readonly days?: readonly Weekday[];
  readonly from?: string;
  readonly until?: string;
}

/** Weekdays in `Date.prototype.getUTCDay` order (Sunday is 0). */
const WEEKDAYS: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const MINUTES_PER_DAY = 1440;
const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;
const WINDOW_PATTERN = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})(?: UTC)?$/;

/**
 * Parses `HH:MM-HH:MM`, optionally followed by ` UTC`. Start and end must differ: a window that is always open
 * is no window at all.
 *
 * @example
 * parseDailyMinutes('18:00-02:00 UTC'); // { ok: true, value: { startMinute: 1080, endMinute: 120 } }
 */
export function parseDailyMinutes(text: string): Parsed<DailyMinutes> {
  const match = WINDOW_PATTERN.exec(text.trim());
  if (!match) {
    return {
      ok: false,
      problem: `expected a window such as "02:00-06:00" or "02:00-06:00 UTC", got "${text}"`,
    };
  }
  const [sh, sm, eh, em] = match.slice(1, 5).map(Number) as [number, number, number, number];
  if (sh > 23 || eh > 23 || sm > 59 || em > 59) {
    return { ok: false, problem: `hours run 00-23 and minutes 00-59, got "${text}"` };
  }
  const startMinute = sh * 60 + sm;
  const endMinute = eh * 60 + em;
  if (startMinute === endMinute) {
    return { ok: false, problem: `a window's start and end must differ, got "${text}"` };
  }
  return { ok: true, value: { startMinute, endMinute } };
}

/** The daily part without its optional ` UTC` suffix, as the rules model's `TimeWindow.daily` takes it. */
export function canonicalDaily(text: string): string {
  return text.trim().replace(/ UTC$/, '');
}

function mustParse(text: string): DailyMinutes {
  const parsed = parseDailyMinutes(text);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.value;
}

/**
 * Whether a window is open at `nowMs`: the daily part start inclusive, end exclusive; for a window wrapping
 * midnight, `days` refers to the day it opened; `from` inclusive, `until` exclusive.
 */
export function isWindowOpen(window: WindowTiming, nowMs: number): boolean {
  if (window.from !== undefined && nowMs < Date.parse(window.from)) return false;
  if (window.until !== undefined && nowMs >= Date.parse(window.until)) return false;
  const { startMinute, endMinute } = mustParse(window.daily);
  const minutes = Math.floor(nowMs / 60_000);
  let day = Math.floor(minutes / MINUTES_PER_DAY);
  const minuteOfDay = minutes - day * MINUTES_PER_DAY;
  if (startMinute < endMinute) {
    if (minuteOfDay < startMinute || minuteOfDay >= endMinute) return false;
  } else if (minuteOfDay < endMinute) {
    day -= 1;
  } else if (minuteOfDay < startMinute) {
    return false;
  }
  if (window.days === undefined) return true;
  // 1970-01-01, day 0, was a Thursday (getUTCDay 4).
  const weekday = WEEKDAYS[(((day + 4) % 7) + 7) % 7] as Weekday;
  return window.days.includes(weekday);
}

/** The minutes of a week (Sunday 00:00 = 0) during which a window is open, as half-open intervals. */
function weekIntervals(window: WindowTiming): Array<[number, number]> {
  const { startMinute, endMinute } = mustParse(window.daily);
  const length = (endMinute - startMinute + MINUTES_PER_DAY) % MINUTES_PER_DAY;
  const days = window.days ?? WEEKDAYS;
  const intervals: Array<[number, number]> = [];
  for (const day of new Set(days)) {
    const start = WEEKDAYS.indexOf(day) * MINUTES_PER_DAY + startMinute;
    const end = start + length;
    if (end <= MINUTES_PER_WEEK) intervals.push([start, end]);
    else intervals.push([start, MINUTES_PER_WEEK], [0, end - MINUTES_PER_WEEK]);
  }
  return intervals;
}

/**
 * Whether two windows can be open at the same moment: their weekly open minutes intersect and their
 * `from`/`until` ranges intersect. Used to reject schedules whose weights would be ambiguous.
 */
export function windowsOverlap(a: WindowTiming, b: WindowTiming): boolean {
  const aFrom = a.from === undefined ? Number.NEGATIVE_INFINITY : Date.parse(a.from);
  const aUntil = a.until === undefined ? Number.POSITIVE_INFINITY : Date.parse(a.until);
  const bFrom = b.from === undefined ? Number.NEGATIVE_INFINITY : Date.parse(b.from);
  const bUntil = b.until === undefined ? Number.POSITIVE_INFINITY : Date.parse(b.until);
  if (aFrom >= bUntil || bFrom >= aUntil) return false;
  const bIntervals = weekIntervals(b);
  return weekIntervals(a).some(([aStart, aEnd]) =>
    bIntervals.some(([bStart, bEnd]) => aStart < bEnd && bStart < aEnd),
  );
}
