import {
  type Analysis,
  type AnalysisCheck,
  type CheckStatus,
  type MetricInfo,
  type MetricSpecView,
  metricKeyOf,
} from '@prompt-canary/api-types';
import type { Colors } from '../terminal.js';
import { formatArmCounts, formatLimitWindow, type WindowedCheck } from './samples.js';
import { type Column, renderTable } from './text-table.js';
import { formatMetricValue, formatPercent, metricUnit } from './units.js';

const SYMBOLS: Readonly<Record<CheckStatus, string>> = {
  Improved: '▲',
  OK: '✔',
  Watch: '◆',
  Degraded: '✖',
  Inconclusive: '?',
};

/** A check's status with its symbol, coloured: green for Improved/OK, yellow Watch, red Degraded, dim otherwise. */
export function formatStatus(status: CheckStatus | undefined, colors: Colors): string {
  if (!status) return colors.dim('—');
  const text = `${SYMBOLS[status] ?? ''} ${status}`.trim();
  switch (status) {
    case 'Improved':
    case 'OK':
      return colors.green(text);
    case 'Watch':
      return colors.yellow(text);
    case 'Degraded':
      return colors.red(colors.bold(text));
    default:
      return colors.dim(text);
  }
}

const COMPARISON: Readonly<Record<string, string>> = { '>=': '≥', '<=': '≤', '>': '>', '<': '<' };

/**
 * The sign of a hard limit the spec does not give: a higher-is-better metric may not fall below its limit, a
 * lower-is-better one may not rise above it.
 */
const COMPARISON_BY_DIRECTION: Readonly<Record<MetricInfo['direction'], string>> = {
  higher: '≥',
  lower: '≤',
};

/**
 * The threshold column of a check: the hard limit, the allowed change against stable, or `vs stable`. `info` is
 * the daemon's unit and direction for the metric; without it the limit shows as a plain number with no sign the
 * spec does not give.
 */
export function formatThreshold(
  check: AnalysisCheck,
  spec: MetricSpecView | undefined,
  info: MetricInfo | undefined,
): string {
  const unit = info?.unit ?? 'number';
  if (check.kind === 'threshold') {
    const limit = check.threshold ?? spec?.threshold;
    if (limit === undefined || limit === null) return '—';
    const comparison =
      COMPARISON[spec?.comparison ?? ''] ?? (info ? COMPARISON_BY_DIRECTION[info.direction] : undefined);
    const value = formatMetricValue(limit, unit);
    return comparison ? `${comparison} ${value}` : value;
  }
  if (check.kind === 'relative') {
    const tolerance = spec?.maxIncrease ?? spec?.maxDecrease;
    if (spec !== undefined && tolerance !== undefined) {
      const sign = spec.maxIncrease !== undefined ? '+' : '−';
      // `toleranceUnit` says points (`2pt`) or relative (`20%`); packs stored before it existed read points on rates.
      const points =
        spec.toleranceUnit === 'points' || (spec.toleranceUnit === undefined && unit === 'fraction');
      if (spec.toleranceUnit === 'absolute') return `${sign}${formatMetricValue(tolerance, unit)} max`;
      return points
        ? `${sign}${(tolerance * 100).toFixed(1)}pt max`
        : `${sign}${formatPercent(tolerance)} max`;
    }
    return check.threshold === undefined || check.threshold === null
      ? '—'
      : formatMetricValue(check.threshold, unit);
  }
  return 'vs stable';
}

/**
 * The threshold cell with, for a hard limit, the span of time it judged: `≤ 3,000 ms · last 3m` (the window dim).
 */
function limitCell(
  check: WindowedCheck,
  spec: MetricSpecView | undefined,
  info: MetricInfo | undefined,
  colors: Colors,
): string {
  const limit = formatThreshold(check, spec, info);
  const window = formatLimitWindow(check);
  return window === undefined ? limit : `${limit} ${colors.dim(`· ${window}`)}`;
}

/**
 * The side-by-side table of a rollout's metrics: one row per check (`Metric | stable | canary | threshold | n |
 * Status`), then the metrics that have data but no check, so every measured metric is visible. Values read in the
 * units of the analysis's `metricInfo`; a metric it does not describe shows plain numbers. A hard limit names the
 * span of time it judged (`≤ 3,000 ms · last 3m`). `labels` names the arms (`before switch` / `after switch` in a
 * blue-green rollback window). When any check counted assignment units, `n` reads
 * `2,700 / 300 req  2,410 / 268 units` (units in a column of their own, blank for a row without them); else it
 * stays `2,700 / 300`, requests only.
 *
 * @example
 * renderMetricTable(analysis, rollout.spec.analysis?.metrics ?? [], colors).join('\n');
 */
export function renderMetricTable(
  analysis: Partial<Pick<Analysis, 'arms' | 'checks' | 'metricInfo'>>,
  specs: readonly MetricSpecView[],
  colors: Colors,
  labels: { readonly stable: string; readonly canary: string } = { stable: 'stable', canary: 'canary' },
): string[] {
  // Per-evaluator entries report as `eval_pass_rate:<evaluator>`, per-service ones as `downstream_error_rate:<service>`.
  const byName = new Map(specs.map((spec) => [metricKeyOf(spec), spec]));
  const checks = analysis.checks ?? [];
  const kindsOf = new Map<string, number>();
  for (const check of checks) kindsOf.set(check.metric, (kindsOf.get(check.metric) ?? 0) + 1);
  const stable = analysis.arms?.stable;
  const canary = analysis.arms?.canary;
  const withUnits = checks.some((check) => check.nUnits !== undefined);
  const samples = (n: Partial<{ stable: number; canary: number }>, units?: WindowedCheck['nUnits']) =>
    withUnits
      ? [`${formatArmCounts(n)} req`, units ? `${formatArmCounts(units)} units` : '']
      : [formatArmCounts(n)];
  const rows: string[][] = checks.map((check: WindowedCheck) => {
    const spec = byName.get(check.metric);
    const unit = metricUnit(check.metric, analysis.metricInfo);
    const name =
      (kindsOf.get(check.metric) ?? 0) > 1
        ? `${check.metric} ${colors.dim(`(${check.kind})`)}`
        : check.metric;
    return [
      name,
      formatMetricValue(check.stable ?? stable?.metrics[check.metric], unit),
      formatMetricValue(check.canary ?? canary?.metrics[check.metric], unit),
      limitCell(check, spec, analysis.metricInfo?.[check.metric], colors).replace(
        /^vs stable$/,
        `vs ${labels.stable}`,
      ),
      ...samples(
        { stable: check.n?.stable ?? stable?.n, canary: check.n?.canary ?? canary?.n },
        check.nUnits,
      ),
      formatStatus(check.status, colors),
    ];
  });
  const checked = new Set(checks.map((check) => check.metric));
  const ungated = [...new Set([...Object.keys(stable?.metrics ?? {}), ...Object.keys(canary?.metrics ?? {})])]
    .filter((name) => !checked.has(name))
    .sort();
  for (const name of ungated) {
    const unit = metricUnit(name, analysis.metricInfo);
    rows.push([
      colors.dim(name),
      formatMetricValue(stable?.metrics[name], unit),
      formatMetricValue(canary?.metrics[name], unit),
      colors.dim('—'),
      ...samples({ stable: stable?.n, canary: canary?.n }),
      colors.dim('not gated'),
    ]);
  }
  if (rows.length === 0) return [colors.dim('No metric data yet.')];
  const columns: Column[] = [
    { header: 'Metric' },
    { header: labels.stable, align: 'right' },
    { header: labels.canary, align: 'right' },
    { header: 'threshold' },
    { header: `n (${labels.stable} / ${labels.canary})`, align: 'right' },
    ...(withUnits ? [{ header: '', align: 'right' as const }] : []),
    { header: 'Status' },
  ];
  return renderTable(columns, rows, { header: colors.bold });
}
