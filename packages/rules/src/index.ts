export { armUpperBounds, bucketOf, bucketOfHash, TOTAL_BUCKETS, weightToBuckets } from './bucketing.js';
export { checkType } from './check-type.js';
export { compileFlag } from './compile-flag.js';
export type { CompiledFlag } from './compiled-flag.js';
export { attributeNameSchema, conditionSchema, matcherSchema } from './condition-schema.js';
export type { FlagValidationIssue } from './errors.js';
export { FlagValidationError, formatIssuePath } from './errors.js';
export type { FlagValidationResult } from './flag-schema.js';
export {
  FLAG_KEY_PATTERN,
  flagKeySchema,
  flagMetadataSchema,
  flagSchema,
  flagValueSchema,
  parseFlag,
  ruleSchema,
  serveSchema,
  splitArmSchema,
  splitSchema,
  timeWindowSchema,
  validateFlag,
  weekdaySchema,
  weightSchema,
} from './flag-schema.js';
export type { CompiledFlagSet } from './flag-set.js';
export { compileFlagSet } from './flag-set.js';
export type { FlagdDocument, FlagdFlagDefinition } from './flagd-export.js';
export { exportFlagd, FLAGD_SCHEMA_URL } from './flagd-export.js';
export { importFlagd } from './flagd-import.js';
export { compileTargetingFlag } from './flagd-targeting.js';
export type {
  Condition,
  ErrorCode,
  EvaluationContext,
  EvaluationDetails,
  Flag,
  FlagMetadata,
  FlagSet,
  FlagState,
  FlagValue,
  FlagValueType,
  JsonValue,
  Matcher,
  Reason,
  Rule,
  Serve,
  Split,
  SplitArm,
  TimeWindow,
  Weekday,
} from './model.js';
export type { Murmur3State } from './murmur3.js';
export { murmur3, murmur3Continue, murmur3Prefix } from './murmur3.js';
export { CONTENT_ATTRIBUTES, TelemetryAttributes } from './telemetry-attributes.js';
export type { CompiledTimeWindow, DailyWindow } from './time-window.js';
export { checkTimestamp, compileTimeWindow, parseDailyWindow, windowMatches } from './time-window.js';
