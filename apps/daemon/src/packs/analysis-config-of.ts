import type { AnalysisConfig, MetricConfig } from '@prompt-canary/analysis';
import type { AnalysisSpec, MetricSpec } from './prompt-pack.js';

/**
 * Whether a metric is judged on the evaluation hook's scores: `eval_pass_rate` (per evaluator or pooled) or a
 * custom metric `from: {score}`, in a pack with `analysis.evaluation`.
 */
export function isEvalMetric(spec: MetricSpec, analysis: Pick<AnalysisSpec, 'evaluation'>): boolean {
  if (analysis.evaluation === undefined) return false;
  return spec.name === 'eval_pass_rate' || (spec.from !== undefined && 'score' in spec.from);
}

function metricConfig(spec: MetricSpec, analysis: AnalysisSpec): MetricConfig {
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
  if (spec.service !== undefined) out.service = spec.service;
  // Scores arrive one batch at a time: one full batch per arm is the least an eval metric is judged on.
  if (analysis.evaluation !== undefined && isEvalMetric(spec, analysis)) {
    out.minSamples = analysis.evaluation.sample;
  }
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
  return { metrics: spec.metrics.map((metric) => metricConfig(metric, spec)), minSamples: spec.minSamples };
}

/** The span attributes the pack's custom metrics read (`from.attribute`), which ingest must keep. */
export function metricAttributesOf(spec: AnalysisSpec): string[] {
  const names = new Set<string>();
  for (const metric of spec.metrics) {
    if (metric.from !== undefined && 'attribute' in metric.from) names.add(metric.from.attribute);
  }
  return [...names];
}
