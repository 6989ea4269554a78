/**
 * Labels of a time axis in the viewer's local time: `HH:MM:SS` when ticks are less than a minute apart, else
 * `HH:MM`, with the date (`Dec 2`) before the first tick and before every tick that starts a new day when the span
 * crosses midnight.
 */

/** Tick spacings (seconds) the time axes may use: whole seconds and rounder, never fractions of a second. */
export const TIME_TICK_INCREMENTS: readonly number[] = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800,
  604_800,
];

const pad = (n: number) => String(n).padStart(2, '0');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The local time of day, `HH:MM` or `HH:MM:SS`. */
export function clockText(ms: number, withSeconds: boolean): string {
  const d = new Date(ms);
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return withSeconds ? `${hm}:${pad(d.getSeconds())}` : hm;
}

function dayKey(d: Date): string {
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

/**
 * The labels of ticks at `splits` (seconds since the epoch) spaced `incrSeconds` apart.
 *
 * @example
 * timeTickLabels([t, t + 30], 30); // ['03:56:00', '03:56:30']
 */
export function timeTickLabels(splits: readonly number[], incrSeconds: number): string[] {
  const withSeconds = incrSeconds < 60;
  const days = new Set(splits.map((s) => dayKey(new Date(s * 1000))));
  const crossesDays = days.size > 1 || incrSeconds >= 86_400;
  let previousDay: string | undefined;
  return splits.map((s) => {
    const d = new Date(s * 1000);
    const day = dayKey(d);
    const newDay = crossesDays && day !== previousDay;
    previousDay = day;
    if (incrSeconds >= 86_400) return `${MONTHS[d.getMonth()]} ${d.getDate()}`;
    const clock = clockText(s * 1000, withSeconds);
    return newDay ? `${MONTHS[d.getMonth()]} ${d.getDate()} ${clock}` : clock;
  });
}
