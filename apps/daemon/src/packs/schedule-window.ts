/**
 * Schedule windows of a PromptPack (`"02:00-06:00 UTC"`, optional `days`, `from`, `until`), always in UTC
 * wall-clock time: parsing, whether one is open at an instant, and whether two can be open at once.
 */
import { parseDailyWindow, type Weekday, windowMatches } from '@prompt-canary/rules';
import type { Parsed } from './pack-units.js';

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

const WEEKDAYS: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const MINUTES_PER_DAY = 1440;
const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;

/**
 * Parses `HH:MM-HH:MM`, optionally followed by ` UTC`, with the rules package's parser (the one the served flag
 * evaluates with). Start and end must differ: a window that is always open is no window at all.
 *
 * @example
 * parseDailyMinutes('18:00-02:00 UTC'); // { ok: true, value: { startMinute: 1080, endMinute: 120 } }
 */
export function parseDailyMinutes(text: string): Parsed<DailyMinutes> {
  try {
    return { ok: true, value: parseDailyWindow(text.trim()) };
  } catch (error) {
    return { ok: false, problem: (error as Error).message };
  }
}

/** The daily part without its optional ` UTC` suffix, as the rules model's `TimeWindow.daily` takes it. */
export function canonicalDaily(text: string): string {
  return text.trim().replace(/ UTC$/, '');
}

function mustParse(text: string): DailyMinutes {
  return parseDailyWindow(text.trim());
}

/**
 * Whether a window is open at `nowMs`, evaluated by `@prompt-canary/rules` (the same code the served flag's
 * time-window rules run): the daily part start inclusive, end exclusive; for a window wrapping midnight, `days`
 * refers to the day it opened; `from` inclusive, `until` exclusive.
 */
export function isWindowOpen(window: WindowTiming, nowMs: number): boolean {
  return windowMatches(
    {
      daily: canonicalDaily(window.daily),
      ...(window.days === undefined ? {} : { days: [...window.days] }),
      ...(window.from === undefined ? {} : { from: window.from }),
      ...(window.until === undefined ? {} : { until: window.until }),
    },
    nowMs,
  );
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
