export {
  ASSIGNMENTS_BAGGAGE_ENTRY,
  assignmentsInContext,
  type FlagAssignment,
  formatAssignments,
  MAX_ASSIGNMENT_PAIRS,
  MAX_ASSIGNMENTS_VALUE_LENGTH,
  MAX_VARIANT_LENGTH,
  type ParsedAssignments,
  PROMPTCANARY_DOWNSTREAM,
  parseAssignments,
  withAssignments,
} from './assignment-baggage.js';
export {
  AssignmentBaggagePropagator,
  type AssignmentBaggagePropagatorOptions,
} from './assignment-baggage-propagator.js';
export { BUCKET_BY_METADATA_KEY } from './assignment-unit.js';
export type { Clock } from './clock.js';
export { SystemClock } from './clock.js';
export type { ContextIdMode, ContextIdOptions } from './context-id.js';
export { DEFAULT_CONTEXT_ID_KEY, hashContextId } from './context-id.js';
export { DOWNSTREAM_REJECTED_METRIC, DownstreamSpanProcessor } from './downstream-span-processor.js';
export type { Duration } from './duration.js';
export type { FeatureFlagAttributeOptions, FlagHookContext } from './feature-flag-attributes.js';
export {
  BUNDLE_OF_METADATA_KEY,
  FEATURE_FLAG_EVALUATION_EVENT,
  FeatureFlagAttributes,
  featureFlagAttributes,
} from './feature-flag-attributes.js';
export { FlagSpanHook } from './flag-span-hook.js';
export { FEATURE_FLAG_INHERITED, FlagSpanProcessor } from './flag-span-processor.js';
export {
  CONTENT_KEY_SUFFIX,
  getPrompt,
  type PromptBundle,
  type PromptEntry,
  type PromptModel,
  type PromptResolution,
} from './get-prompt.js';
export { PROVIDER_NAME, PromptCanaryProvider, type ProviderTrackingStats } from './prompt-canary-provider.js';
export type { ProviderConfig } from './provider-config.js';
export { ProviderConfigError, parseProviderConfig } from './provider-config.js';
export type { ConfigSource, PromptCanaryProviderOptions } from './provider-options.js';
export {
  PROVIDER_METER_NAME,
  TELEMETRY_FAILURES_METRIC,
  type TelemetryComponent,
} from './telemetry-failures.js';
export type { TrackEvent, TrackingStats } from './tracking-buffer.js';
