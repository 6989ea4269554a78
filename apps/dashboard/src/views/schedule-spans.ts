import type { ScheduleWindowView } from '@prompt-canary/api-types';
import { parseDailyWindow, windowMatches } from '@prompt-canary/rules';

const DAY_MS = 86_400_000;

/** A span of time, `[from, to)` in milliseconds since the epoch. */
export type Span = readonly [number, number];

/** The daily start and end in minutes, parsed by the rules package; `null` when unreadable. */
function minutesOf(daily: string): [number, number] | null {
  try {
    const { startMinute, endMinute } = parseDailyWindow(daily.trim());
    return [startMinute, endMinute];
  } catch {
    return null;
  }
}

/**
 * The spans within `[fromMs, toMs)` during which a schedule window is open, merged, in order. Whether it is open
 * is asked of `@prompt-canary/rules` (the code the served flag evaluates with), at each moment it could change:
 * the daily start and end of every UTC day in range, and the window's `from` and `until`. Between two such
 * moments nothing can change, so the spans are exact.
 */
export function openSpans(window: ScheduleWindowView, fromMs: number, toMs: number): Span[] {
  if (!(toMs > fromMs)) return [];
  const minutes = minutesOf(window.daily);
  if (!minutes) return [];
  const timing = {
    daily: window.daily.trim(),
    ...(window.days ? { days: [...window.days] } : {}),
    ...(window.from ? { from: window.from } : {}),
    ...(window.until ? { until: window.until } : {}),
  };
  const cuts = new Set<number>([fromMs]);
  for (let day = Math.floor(fromMs / DAY_MS) * DAY_MS; day < toMs; day += DAY_MS) {
    for (const minute of minutes) cuts.add(day + minute * 60_000);
  }
  for (const at of [window.from, window.until]) {
    const ms = at === undefined ? Number.NaN : Date.parse(at);
    if (Number.isFinite(ms)) cuts.add(ms);
  }
  const points = [...cuts].filter((t) => t >= fromMs && t < toMs).sort((a, b) => a - b);
  const spans: Array<[number, number]> = [];
  points.forEach((start, i) => {
    const end = points[i + 1] ?? toMs;
    if (!windowMatches(timing, start)) return;
    const last = spans[spans.length - 1];
    if (last && last[1] === start) last[1] = end;
    else spans.push([start, end]);
  });
  return spans;
}

/** What a window does while open, in words: `50%` (the split's weight) or `cap 30%`. */
export function windowEffectText(window: Pick<ScheduleWindowView, 'canaryWeight' | 'capWeight'>): string {
  if (window.canaryWeight !== undefined) return `${window.canaryWeight}%`;
  return window.capWeight !== undefined ? `cap ${window.capWeight}%` : '—';
}
