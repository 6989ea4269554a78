import type { AnalysisConfig, MetricConfig } from '@prompt-canary/analysis';
import type { AnalysisSpec, MetricSpec } from './prompt-pack.js';

function metricConfig(spec: MetricSpec): MetricConfig {
  const out: MetricConfig = {
    name: spec.name,
    direction: spec.direction,
    onFail: spec.onFail,
    compare: spec.compare,
  };
  if (spec.threshold !== undefined) out.threshold = spec.threshold;
  if (spec.comparison !== undefined) out.comparison = spec.comparison;
  if (spec.maxIncrease !== undefined) out.maxIncrease = spec.maxIncrease;
  if (spec.maxDecrease !== undefined) out.maxDecrease = spec.maxDecrease;
  if (spec.toleranceUnit !== undefined) out.toleranceUnit = spec.toleranceUnit;
  if (spec.evaluator !== undefined) out.evaluator = spec.evaluator;
  if (spec.from !== undefined) {
    out.from =
      'score' in spec.from ? { score: spec.from.score, pass: { ...spec.from.pass } } : { ...spec.from };
  }
  return out;
}

/**
 * The checks' configuration from a pack's `spec.rollout.analysis` (already normalised by the pack schema: rates
 * as fractions, latencies in ms, tolerances as fractions).
 */
export function analysisConfigOf(spec: AnalysisSpec): AnalysisConfig {
  return { metrics: spec.metrics.map(metricConfig), minSamples: spec.minSamples };
}

/** The span attributes the pack's custom metrics read (`from.attribute`), which ingest must keep. */
export function metricAttributesOf(spec: AnalysisSpec): string[] {
  const names = new Set<string>();
  for (const metric of spec.metrics) {
    if (metric.from !== undefined && 'attribute' in metric.from) names.add(metric.from.attribute);
  }
  return [...names];
}
