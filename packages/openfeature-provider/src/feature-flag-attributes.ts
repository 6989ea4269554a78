import type { EvaluationDetails, FlagValue, HookContext } from '@openfeature/server-sdk';
import type { Attributes } from '@opentelemetry/api';

/**
 * OpenTelemetry semantic-convention attribute names for feature flag evaluations (the feature-flag attribute
 * registry). Canary analysis reads exactly these.
 */
export const FeatureFlagAttributes = {
  KEY: 'feature_flag.key',
  VARIANT: 'feature_flag.result.variant',
  VALUE: 'feature_flag.result.value',
  REASON: 'feature_flag.result.reason',
  PROVIDER_NAME: 'feature_flag.provider.name',
  VERSION: 'feature_flag.version',
  ERROR_TYPE: 'error.type',
  ERROR_MESSAGE: 'feature_flag.error.message',
} as const;

/** The span event name for one flag evaluation. */
export const FEATURE_FLAG_EVALUATION_EVENT = 'feature_flag.evaluation';

/** Options of the attributes recorded for an evaluation. */
export interface FeatureFlagAttributeOptions {
  /** Record `feature_flag.result.value` (objects as JSON). Default `true`; turn off for sensitive values. */
  readonly includeValue?: boolean;
}

/**
 * The attributes of one evaluation: key, variant, value, reason (lower snake case, as the conventions spell
 * reasons), provider name, config version (`flagMetadata.version`) and, for errors, `error.type` and message.
 */
export function featureFlagAttributes(
  hookContext: Pick<HookContext, 'flagKey' | 'providerMetadata'>,
  details: EvaluationDetails<FlagValue>,
  options: FeatureFlagAttributeOptions = {},
): Attributes {
  const attributes: Attributes = {
    [FeatureFlagAttributes.KEY]: details.flagKey || hookContext.flagKey,
    [FeatureFlagAttributes.PROVIDER_NAME]: hookContext.providerMetadata.name,
  };
  if (details.variant !== undefined) attributes[FeatureFlagAttributes.VARIANT] = details.variant;
  if (options.includeValue !== false) {
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

interface CachedAttributes {
  readonly provider: string;
  readonly value: FlagValue;
  readonly reason: string | undefined;
  readonly version: unknown;
  readonly attributes: Readonly<Attributes>;
}

/**
 * The attributes of successful evaluations, built once per (flag, variant, value, reason, provider, version) and
 * frozen, so a hook stamps every span with the same object (the OTel SDK copies what it is given). Evaluations with
 * an error, without a variant or with an object value are built afresh each time, as {@link featureFlagAttributes}.
 */
export class FeatureFlagAttributeCache {
  readonly #options: FeatureFlagAttributeOptions;
  readonly #byFlag = new Map<string, Map<string, CachedAttributes>>();

  constructor(options: FeatureFlagAttributeOptions = {}) {
    this.#options = options;
  }

  /** The attributes of this evaluation; the same frozen object for the same outcome. */
  of(
    hookContext: Pick<HookContext, 'flagKey' | 'providerMetadata'>,
    details: EvaluationDetails<FlagValue>,
  ): Readonly<Attributes> {
    const variant = details.variant;
    const value = details.value;
    if (
      variant === undefined ||
      details.errorCode !== undefined ||
      (typeof value === 'object' && value !== null)
    ) {
      return featureFlagAttributes(hookContext, details, this.#options);
    }
    const flagKey = details.flagKey || hookContext.flagKey;
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
    const attributes = Object.freeze(featureFlagAttributes(hookContext, details, this.#options));
    if (variants === undefined) {
      if (this.#byFlag.size >= MAX_CACHED_FLAGS) this.#byFlag.clear();
      variants = new Map();
      this.#byFlag.set(flagKey, variants);
    }
    variants.set(variant, { provider, value, reason: details.reason, version, attributes });
    return attributes;
  }
}
