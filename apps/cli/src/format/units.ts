/**
 * How values read on a terminal: rates as percentages, latencies in milliseconds, token counts, costs and
 * durations, each short enough for a table cell.
 */

/** The unit a metric is shown in. */
export type MetricUnit = 'rate' | 'ms' | 'tokens' | 'cost' | 'number';

const RATE_METRICS = new Set(['success_rate', 'error_rate']);

/**
 * The unit of a metric by its name (built-ins) or, for a custom one, by its aggregate (`rate` → a rate).
 *
 * @example
 * metricUnit('latency_p99'); // 'ms'
 */
export function metricUnit(name: string, aggregate?: string): MetricUnit {
  if (RATE_METRICS.has(name) || name.endsWith('_rate') || aggregate === 'rate') return 'rate';
  if (name.startsWith('latency_')) return 'ms';
  if (name.includes('tokens')) return 'tokens';
  if (name.startsWith('cost')) return 'cost';
  return 'number';
}

/** A number with at most `digits` decimals and no trailing zeros. */
function trim(value: number, digits: number): string {
  return Number(value.toFixed(digits)).toString();
}

/** A percentage of a fraction with one decimal: `0.9512` → `95.1%`. */
export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

/** A weight (already a percentage 0–100): `12.5` → `12.5%`. */
export function formatWeight(weight: number): string {
  return `${trim(weight, 2)}%`;
}

/** Digits grouped by thousands: `12480` → `12,480`. */
function grouped(value: number): string {
  return Math.round(value)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * A metric's value in its unit: `95.1%`, `2,480 ms`, `412 tok`, `$0.0031`; `—` when there is no value.
 *
 * @example
 * formatMetricValue(0.951, 'rate'); // '95.1%'
 */
export function formatMetricValue(value: number | null | undefined, unit: MetricUnit): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  switch (unit) {
    case 'rate':
      return formatPercent(value);
    case 'ms':
      return value < 10 ? `${trim(value, 2)} ms` : `${grouped(value)} ms`;
    case 'tokens':
      return value < 100 ? `${trim(value, 1)} tok` : `${grouped(value)} tok`;
    case 'cost':
      return value >= 1 ? `$${value.toFixed(2)}` : `$${Number(value.toPrecision(2))}`;
    case 'number':
      return Math.abs(value) >= 1000 ? grouped(value) : trim(value, 3);
  }
}

const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
];

/**
 * A duration in its two largest units: `90_000` → `1m30s`, `3_600_000` → `1h`, `450` → `450ms`.
 *
 * @example
 * formatDuration(5 * 60_000); // '5m'
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const parts: string[] = [];
  let rest = Math.floor(ms / 1000) * 1000;
  for (const [unit, size] of UNITS) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
    if (parts.length === 2) break;
    if (parts.length === 1 && rest === 0) break;
  }
  return parts.join('');
}

/** How long ago an ISO time was, relative to `nowMs`: `5m ago`; `just now` under a second. */
export function formatAge(iso: string, nowMs: number): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return '—';
  const ms = nowMs - at;
  return ms < 1000 ? 'just now' : `${formatDuration(ms)} ago`;
}

/** An ISO time as `2025-01-31 14:05:09` in UTC (the daemon's clock, and every reader sees the same). */
export function formatTime(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return `${at.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}
