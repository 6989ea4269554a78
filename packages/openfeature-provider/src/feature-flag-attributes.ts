import type { EvaluationDetails, FlagValue, HookContext } from '@openfeature/server-sdk';
import type { Attributes } from '@opentelemetry/api';
import { bucketOf, TelemetryAttributes, TOTAL_BUCKETS } from '@prompt-canary/rules';
import { assignmentUnit } from './assignment-unit.js';
import { ContextIdEncoder, type ContextIdOptions } from './context-id.js';
import { RecentMap } from './recent-map.js';

/**
 * OpenTelemetry semantic-convention attribute names for feature flag evaluations (the feature-flag attribute
 * registry). Canary analysis reads exactly these.
 */
export const FeatureFlagAttributes = {
  KEY: TelemetryAttributes.FLAG_KEY,
  VARIANT: TelemetryAttributes.FLAG_VARIANT,
  VALUE: TelemetryAttributes.FLAG_VALUE,
  REASON: TelemetryAttributes.FLAG_REASON,
  PROVIDER_NAME: TelemetryAttributes.FLAG_PROVIDER_NAME,
  VERSION: TelemetryAttributes.FLAG_VERSION,
  CONTEXT_ID: TelemetryAttributes.FLAG_CONTEXT_ID,
  /** Ours: the unit's bucket for the flag, 0–9999 (it does not reveal the unit). */
  BUCKET: TelemetryAttributes.FLAG_BUCKET,
  ERROR_TYPE: TelemetryAttributes.ERROR_TYPE,
  ERROR_MESSAGE: TelemetryAttributes.FLAG_ERROR_MESSAGE,
} as const;

/** The span event name for one flag evaluation. */
export const FEATURE_FLAG_EVALUATION_EVENT = TelemetryAttributes.FLAG_EVALUATION_EVENT;

/**
 * Options of the attributes recorded for an evaluation: `includeValue`, and how the assignment unit is sent as
 * `feature_flag.context.id` (`contextId`, default `'hashed'`; `contextIdKey`).
 */
export interface FeatureFlagAttributeOptions extends ContextIdOptions {
  /** Record `feature_flag.result.value` (objects as JSON). Default `true`; turn off for sensitive values. */
  readonly includeValue?: boolean;
}

/** What an evaluation's attributes are built from: the hook context, with the evaluation context when known. */
export type FlagHookContext = Pick<HookContext, 'flagKey' | 'providerMetadata'> &
  Partial<Pick<HookContext, 'context'>>;

/**
 * The attributes of one evaluation: key, variant, value, reason (lower snake case, as the conventions spell
 * reasons), provider name, config version (`flagMetadata.version`), the assignment unit as
 * `feature_flag.context.id` (hashed by default; needs `hookContext.context`) and, for errors, `error.type` and
 * message.
 */
export function featureFlagAttributes(
  hookContext: FlagHookContext,
  details: EvaluationDetails<FlagValue>,
  options: FeatureFlagAttributeOptions = {},
): Attributes {
  const attributes = outcomeAttributes(hookContext, details, options);
  const contextId = contextIdOf(new ContextIdEncoder(options), hookContext, details);
  if (contextId !== undefined) {
    attributes[FeatureFlagAttributes.CONTEXT_ID] = contextId;
    const unit = hookContext.context && assignmentUnit(hookContext.context, details.flagMetadata);
    if (unit !== undefined)
      attributes[FeatureFlagAttributes.BUCKET] = unitBucket(stampedKey(hookContext, details), unit);
  }
  return attributes;
}

/**
 * Flag metadata naming the pack whose content a companion flag (`<pack>.content`) serves. Its evaluations are
 * stamped as the pack's: the pack's key and the version as the variant, never the bundle, so a span that evaluated
 * both keys counts once for the pack and carries no prompt text.
 */
export const BUNDLE_OF_METADATA_KEY = 'bundleOf';

/** The key an evaluation is stamped with: the pack's for a companion flag, else the evaluated key. */
function stampedKey(hookContext: FlagHookContext, details: EvaluationDetails<FlagValue>): string {
  const pack = details.flagMetadata[BUNDLE_OF_METADATA_KEY];
  return typeof pack === 'string' && pack !== '' ? pack : details.flagKey || hookContext.flagKey;
}

/**
 * The unit's bucket for a flag, as the split computes it (`murmur3(flagKey + unit)` over 10,000 buckets): canaryd
 * recomputes from it what a split-assigned request should have been served at the span's config revision.
 */
export function unitBucket(flagKey: string, unit: string): number {
  return bucketOf(`${flagKey}${unit}`, TOTAL_BUCKETS);
}

/** The `feature_flag.context.id` of an evaluation, or `undefined` (off, no context, no unit in it). */
function contextIdOf(
  encoder: ContextIdEncoder,
  hookContext: FlagHookContext,
  details: EvaluationDetails<FlagValue>,
): string | undefined {
  const context = hookContext.context;
  if (context === undefined || !encoder.enabled) return undefined;
  const unit = assignmentUnit(context, details.flagMetadata);
  return unit === undefined ? undefined : encoder.idOf(stampedKey(hookContext, details), unit);
}

/** The attributes that depend on the outcome only, not on the unit. */
function outcomeAttributes(
  hookContext: FlagHookContext,
  details: EvaluationDetails<FlagValue>,
  options: FeatureFlagAttributeOptions,
): Attributes {
  const key = stampedKey(hookContext, details);
  const attributes: Attributes = {
    [FeatureFlagAttributes.KEY]: key,
    [FeatureFlagAttributes.PROVIDER_NAME]: hookContext.providerMetadata.name,
  };
  if (details.variant !== undefined) attributes[FeatureFlagAttributes.VARIANT] = details.variant;
  // A companion flag's value is the version's bundle (prompt text): never on a span.
  if (options.includeValue !== false && key === (details.flagKey || hookContext.flagKey)) {
    const value = details.value;
    attributes[FeatureFlagAttributes.VALUE] =
      typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
        ? value
        : JSON.stringify(value);
  }
  if (details.reason !== undefined) attributes[FeatureFlagAttributes.REASON] = details.reason.toLowerCase();
  const version = details.flagMetadata['version'];
  if (version !== undefined) attributes[FeatureFlagAttributes.VERSION] = String(version);
  if (details.errorCode !== undefined) {
    attributes[FeatureFlagAttributes.ERROR_TYPE] = details.errorCode.toLowerCase();
    if (details.errorMessage) attributes[FeatureFlagAttributes.ERROR_MESSAGE] = details.errorMessage;
  }
  return attributes;
}

/** How many flags' attribute objects {@link FeatureFlagAttributeCache} keeps before starting over. */
const MAX_CACHED_FLAGS = 1024;

/** Units per flag whose attributes {@link FeatureFlagAttributeCache} keeps, per generation (two generations). */
const UNITS_PER_GENERATION = 4096;

/** A unit's last attributes for one flag: its id, and the outcome they were built on. */
interface UnitAttributes {
  readonly contextId: string;
  readonly outcome: Readonly<Attributes>;
  readonly attributes: Readonly<Attributes>;
}

interface CachedAttributes {
  readonly provider: string;
  readonly value: FlagValue;
  readonly reason: string | undefined;
  readonly version: unknown;
  readonly attributes: Readonly<Attributes>;
}

/**
 * The attributes of evaluations, as {@link featureFlagAttributes} builds them, for a hook on the hot path. Those of
 * successful outcomes are built once per (flag, variant, value, reason, provider, version) and frozen; with the unit,
 * once per (flag, unit) and outcome, for the last 4 096 to 8 192 units of each flag, so a unit evaluated again (its
 * assignment is sticky) costs lookups, not an HMAC nor a copy. Evaluations with an error, without a variant or with an
 * object value are built afresh each time (reusing the unit's id).
 */
export class FeatureFlagAttributeCache {
  readonly #options: FeatureFlagAttributeOptions;
  readonly #contextIds: ContextIdEncoder;
  readonly #byFlag = new Map<string, Map<string, CachedAttributes>>();
  readonly #byUnit = new Map<string, RecentMap<UnitAttributes>>();

  /** @param options invalid `contextId` or `contextIdKey` values throw a `TypeError` naming them */
  constructor(options: FeatureFlagAttributeOptions = {}) {
    this.#options = options;
    this.#contextIds = new ContextIdEncoder(options);
  }

  /** The attributes of this evaluation; without a unit, the same frozen object for the same outcome. */
  of(hookContext: FlagHookContext, details: EvaluationDetails<FlagValue>): Readonly<Attributes> {
    const outcome = this.#outcome(hookContext, details);
    const context = hookContext.context;
    if (context === undefined || !this.#contextIds.enabled) return outcome;
    const unit = assignmentUnit(context, details.flagMetadata);
    if (unit === undefined) return outcome;
    // Cached per evaluated key (a pack's key and its companion key each keep theirs), hashed with the stamped key.
    const flagKey = details.flagKey || hookContext.flagKey;
    let units = this.#byUnit.get(flagKey);
    if (units === undefined) {
      if (this.#byUnit.size >= MAX_CACHED_FLAGS) this.#byUnit.clear();
      units = new RecentMap(UNITS_PER_GENERATION);
      this.#byUnit.set(flagKey, units);
    }
    const known = units.get(unit);
    if (known?.outcome === outcome) return known.attributes;
    const stamped = stampedKey(hookContext, details);
    const contextId = known?.contextId ?? (this.#contextIds.idOf(stamped, unit) as string);
    const attributes = Object.freeze({
      ...outcome,
      [FeatureFlagAttributes.CONTEXT_ID]: contextId,
      [FeatureFlagAttributes.BUCKET]: unitBucket(stamped, unit),
    });
    units.set(unit, { contextId, outcome, attributes });
    return attributes;
  }

  #outcome(hookContext: FlagHookContext, details: EvaluationDetails<FlagValue>): Readonly<Attributes> {
    const variant = details.variant;
    const flagKey = details.flagKey || hookContext.flagKey;
    // A companion flag's bundle is never stamped, so its outcome depends on the variant, not on the value.
    const companion = stampedKey(hookContext, details) !== flagKey;
    const value = companion ? variant : details.value;
    if (
      variant === undefined ||
      details.errorCode !== undefined ||
      (typeof value === 'object' && value !== null)
    ) {
      return outcomeAttributes(hookContext, details, this.#options);
    }
    let variants = this.#byFlag.get(flagKey);
    const cached = variants?.get(variant);
    const provider = hookContext.providerMetadata.name;
    const version = details.flagMetadata['version'];
    if (
      cached !== undefined &&
      cached.value === value &&
      cached.reason === details.reason &&
      cached.provider === provider &&
      cached.version === version
    ) {
      return cached.attributes;
    }
    const attributes = Object.freeze(outcomeAttributes(hookContext, details, this.#options));
    if (variants === undefined) {
      if (this.#byFlag.size >= MAX_CACHED_FLAGS) this.#byFlag.clear();
      variants = new Map();
      this.#byFlag.set(flagKey, variants);
    }
    variants.set(variant, {
      provider,
      value: value as FlagValue,
      reason: details.reason,
      version,
      attributes,
    });
    return attributes;
  }
}
