/**
 * How values read on a terminal: rates as percentages, latencies in milliseconds, token counts, costs and
 * durations, each short enough for a table cell. A metric's unit is the one the daemon sends in the analysis's
 * `metricInfo`, never a guess from its name.
 */

import { formatDuration, type MetricInfo, type MetricUnit } from '@prompt-canary/api-types';

/**
 * The unit a metric's values are shown in: the daemon's `metricInfo`, or a plain number when the answer has none for
 * the metric (a daemon older than `metricInfo`). A name such as `refund_rate` says nothing about the unit.
 *
 * @example
 * metricUnit('latency_p99', { latency_p99: { unit: 'ms', direction: 'lower' } }); // 'ms'
 * metricUnit('latency_p99', undefined); // 'number'
 */
export function metricUnit(
  metric: string,
  metricInfo: Readonly<Record<string, MetricInfo>> | undefined,
): MetricUnit {
  return metricInfo?.[metric]?.unit ?? 'number';
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
 * A metric's value in its unit: `95.1%`, `2,480 ms`, `412 tok`, `$0.0031`, `4.21/5`; `—` when there is no value.
 *
 * @example
 * formatMetricValue(0.951, 'fraction'); // '95.1%'
 */
export function formatMetricValue(value: number | null | undefined, unit: MetricUnit): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  switch (unit) {
    case 'fraction':
      return formatPercent(value);
    case 'ms':
      return value < 10 ? `${trim(value, 2)} ms` : `${grouped(value)} ms`;
    case 'tokens':
      return value < 100 ? `${trim(value, 1)} tok` : `${grouped(value)} tok`;
    case 'cost':
      return value >= 1 ? `$${value.toFixed(2)}` : `$${Number(value.toPrecision(2))}`;
    case 'rating':
      return `${trim(value, 2)}/5`;
    case 'number':
      return Math.abs(value) >= 1000 ? grouped(value) : trim(value, 3);
  }
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
