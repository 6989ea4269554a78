import { Counter, type Registry } from 'prom-client';

/** What the analyzer's ingest counts: which kind of item, and what became of it. */
export type AnalysisItem = 'span' | 'point' | 'track' | 'score';

/**
 * `accepted` (credited to an arm of a live rollout), `baseline` (credited to the rolling baseline of a pack at rest:
 * its stable version's items, kept under `baseline:<pack>`), `no_rollout` (no live rollout for the flag, or a pack
 * at rest and another version than its stable one), `unknown_variant` (neither the
 * canary nor the stable version), `other_source` (the rollout reads the other telemetry source), `unused` (a
 * metric point the analysis does not read), `unknown_trace` (a score for a trace not in the index), `unjoined` (a
 * span whose trace could not be written to the trace join: its scores will count as unknown).
 */
export type AnalysisOutcome =
  | 'accepted'
  | 'baseline'
  | 'no_rollout'
  | 'unknown_variant'
  | 'other_source'
  | 'unused'
  | 'unknown_trace'
  | 'unjoined';

/** Where the analyzer's ingest counts what it did. */
export interface AnalysisIngestCounters {
  add(item: AnalysisItem, outcome: AnalysisOutcome, n: number): void;
}

const NAME = 'canaryd_analysis_items_total';

/**
 * `canaryd_analysis_items_total{item, outcome}` on a Prometheus registry (`GET /metrics`). Spans without any flag
 * are counted before they reach the analyzer, in `canaryd_otlp_items_total{outcome="ignored"}`.
 */
export function prometheusAnalysisIngestCounters(registry: Registry): AnalysisIngestCounters {
  const existing = registry.getSingleMetric(NAME);
  const counter =
    existing instanceof Counter
      ? (existing as Counter<'item' | 'outcome'>)
      : new Counter({
          name: NAME,
          help: 'Flag-bearing spans, metric points, tracking events and scores by what the analyzer did with them',
          labelNames: ['item', 'outcome'] as const,
          registers: [registry],
        });
  return {
    add(item, outcome, n) {
      if (n > 0) counter.inc({ item, outcome }, n);
    },
  };
}
