/**
 * Durations as PromptPacks, flags and people write them: one number and one unit (`500ms`, `8s`, `5m`, `4h`, `2d`),
 * read into milliseconds and written back. Pure: the dashboard bundles this file for the browser.
 */

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** The units from the largest down, without `ms`, which only writes what is left under a second. */
const LARGE_UNITS: ReadonlyArray<readonly [string, number]> = [
  ['d', UNIT_MS.d],
  ['h', UNIT_MS.h],
  ['m', UNIT_MS.m],
  ['s', UNIT_MS.s],
];

const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/**
 * Reads a duration written with one unit (`500ms`, `8s`, `5m`, `4h`, `2d`, decimals such as `1.5h`) into whole
 * milliseconds; a bare `0` means no time. Spaces around the text are ignored. Anything else (`5`, `-5m`,
 * `1h30m`, `5 minutes`, `5w`, a duration too long to count exactly) is `undefined`.
 *
 * @example
 * parseDuration('5m'); // 300000
 * parseDuration('1.5h'); // 5400000
 * parseDuration('soon'); // undefined
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '0') return 0;
  const match = DURATION_PATTERN.exec(trimmed);
  if (!match) return undefined;
  const ms = Math.round(Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/**
 * A duration for people: its two largest parts, whole seconds at least, under a second in milliseconds — `500ms`,
 * `8s`, `5m`, `4h 30m`, `2d 1h`. A part is left out when the one above it is followed by a zero (`2d 0h 5m` reads
 * `2d`). Zero, negative and non-finite durations read `0s`.
 *
 * @example
 * formatDuration(4.5 * 3_600_000); // '4h 30m'
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '0s';
  if (Math.round(ms) < 1000) return `${Math.round(ms)}ms`;
  let rest = Math.round(ms / 1000) * 1000;
  const parts: string[] = [];
  for (const [unit, size] of LARGE_UNITS) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0) parts.push(`${count}${unit}`);
    else if (parts.length > 0) break;
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}

/**
 * A duration exactly, in the largest unit that divides it (`300000` → `5m`, `90000` → `90s`, `1500` →
 * `1500ms`, `0` → `0s`), so that `parseDuration(durationText(ms)) === ms` for every whole, non-negative number of
 * milliseconds. Fractions of a millisecond are rounded; a negative duration keeps its sign (`-5s`), which
 * {@link parseDuration} does not read.
 *
 * @example
 * durationText(5 * 60_000); // '5m'
 */
export function durationText(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const whole = Math.round(Math.abs(ms));
  const sign = ms < 0 && whole > 0 ? '-' : '';
  if (whole === 0) return '0s';
  for (const [unit, size] of LARGE_UNITS) {
    if (whole % size === 0) return `${sign}${whole / size}${unit}`;
  }
  return `${sign}${whole}ms`;
}
