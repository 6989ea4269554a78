export type {
  AnalysisConfig,
  Comparison,
  CustomAggregate,
  EventAggregate,
  MetricConfig,
  MetricSource,
  OnFail,
  ToleranceUnit,
} from './analysis-config.js';
export { DEFAULT_ALPHA, DEFAULT_MIN_SAMPLES, metricKey } from './analysis-config.js';
export type { AnalysisResult, AnalyzeInput, ArmSummary } from './analyze.js';
export { analyze, sequentialKind } from './analyze.js';
export type {
  ArmAggregateJson,
  AttributeAggregate,
  DownstreamAggregate,
  DownstreamAggregateJson,
  ScoreAggregate,
  UsageObservation,
} from './arm-aggregate.js';
export { ArmAggregate, MAX_DOWNSTREAM_SERVICES, SCORE_PASS_VALUE } from './arm-aggregate.js';
export type { CheckKind, CheckOutcome, CheckResult, CheckStatus } from './check-result.js';
export type { ThresholdCheckInput } from './check-threshold.js';
export { checkThreshold, DEFAULT_LIMIT_ALPHA } from './check-threshold.js';
export type { ComparisonInput, ComparisonOutcome } from './compare-arms.js';
export { compareArms } from './compare-arms.js';
export type { ExtractOptions, ModelPrice, PriceTable, SpanTiming } from './extract-span-observation.js';
export {
  downstreamObservationOf,
  extractSpanObservation,
  isSplitReason,
  MAX_SERVICE_NAME_LENGTH,
  UNIT_ATTRIBUTE,
  UNKNOWN_SERVICE,
} from './extract-span-observation.js';
export type {
  Direction,
  MeanSample,
  MetricDefinition,
  MetricSample,
  MetricUnit,
  QuantileSample,
  UnitInfo,
} from './metric-definition.js';
export {
  BUILT_IN_METRICS,
  DOWNSTREAM_METRICS,
  downstreamConfigOfKey,
  downstreamMetricsOf,
  resolveMetric,
  sampleValue,
} from './metric-definition.js';
export type { Moments } from './moments.js';
export { addToMoments, emptyMoments, mergeMoments, momentsMean, momentsVariance } from './moments.js';
export type { MsprtLook } from './msprt.js';
export { msprt, msprtHarm } from './msprt.js';
export type {
  DownstreamObservation,
  FeedbackObservation,
  ScoreObservation,
  SpanObservation,
} from './observation.js';
export { poolAlpha } from './pool-alpha.js';
export type { QuantileSketchJson, SketchBinsJson } from './quantile-sketch.js';
export { QuantileSketch, SKETCH_RELATIVE_ACCURACY } from './quantile-sketch.js';
export type { SrmInput, SrmResult, SrmSlice } from './sample-ratio-check.js';
export { checkSampleRatio, SRM_ALPHA, SRM_TAU, srmNotApplicable } from './sample-ratio-check.js';
export type { SequentialCheckState, SequentialState } from './sequential-state.js';
export { createSequentialState, sequentialKey, updateSequentialCheck } from './sequential-state.js';
export { sliceStart } from './slice-start.js';
export { binomialUpperTail, normalUpperTail, poissonUpperTail } from './tail-probability.js';
export type { ClusterSpread, UnitClustersJson } from './unit-clusters.js';
export { CLUSTER_BUCKETS, clusterSpread, designEffect, UnitClusters } from './unit-clusters.js';
export type { ExposureCounts, UnitExposuresJson, UnitExposuresJsonV1 } from './unit-exposures.js';
export { DEFAULT_EXPOSURE_CAP, UnitExposures } from './unit-exposures.js';
export { unitHash } from './unit-hash.js';
export type { StepSlice } from './widen-window.js';
