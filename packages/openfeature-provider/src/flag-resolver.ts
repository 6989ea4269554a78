import {
  ErrorCode,
  type EvaluationContext,
  type FlagMetadata,
  type FlagValue,
  type ResolutionDetails,
  StandardResolutionReasons,
} from '@openfeature/server-sdk';
import {
  type CompiledFlagSet,
  checkType,
  compileFlagSet,
  type EvaluationDetails,
  type FlagSet,
  type FlagValueType,
} from '@prompt-canary/rules';
import { BUCKET_BY_METADATA_KEY, bucketingAttribute } from './assignment-unit.js';
import { changedFlagKeys, type ProviderConfig } from './provider-config.js';

interface LoadedConfig {
  readonly config: ProviderConfig;
  /** The validated flags being served. */
  readonly flags: FlagSet;
  readonly evaluator: CompiledFlagSet;
  readonly version: string;
  /** Flag metadata with `version` (and `bucketBy` for flags with a split) added, built once per flag and revision. */
  readonly metadata: Map<string, { source: Readonly<FlagMetadata>; merged: FlagMetadata }>;
  /**
   * Successful resolutions, built once per rules result: `@prompt-canary/rules` answers one frozen object per
   * (flag, rule, variant, reason), so its identity keys the frozen {@link ResolutionDetails} answered for it.
   */
  readonly resolved: WeakMap<
    EvaluationDetails,
    {
      type: FlagValueType;
      details: ResolutionDetails<FlagValue>;
      /** `details`, settled: one promise shared by every call that answers it. */
      settled: Promise<ResolutionDetails<FlagValue>>;
    }
  >;
}

/** The metadata key carrying the config revision (OpenFeature's well-known `version`, OTel `feature_flag.version`). */
export const REVISION_METADATA_KEY = 'version';

const NOT_READY_MESSAGE =
  'Prompt Canary has no flag config yet (canaryd has not answered and no bootstrap was given); serving the default';

/**
 * Holds the compiled config of one revision and turns `@prompt-canary/rules` evaluations into OpenFeature
 * resolution details: errors become the caller's default with reason `ERROR`, values are type-checked, and, when
 * asked to, flags with a live rollout serve their stable version.
 */
export class FlagResolver {
  #loaded: LoadedConfig | undefined;

  /** The config in use, if any. */
  get config(): ProviderConfig | undefined {
    return this.#loaded?.config;
  }

  /** The revision in use, as text, if any. */
  get revision(): string | undefined {
    return this.#loaded?.version;
  }

  /**
   * Compiles and switches to `config`. A flag that does not compile keeps its previous definition (or is
   * left out) and is listed in `invalid`, so that one bad flag cannot hold back a rollback of another. `changed`
   * lists the keys whose definitions changed (every key on the first load), or is `undefined` when nothing changed.
   * Throws only when the set as a whole does not compile; the previous config then stays.
   */
  load(config: ProviderConfig): { changed: string[] | undefined; invalid: string[] } {
    const previous = this.#loaded;
    const flags: FlagSet = {};
    const invalid: string[] = [];
    for (const [key, raw] of Object.entries(config.flags)) {
      // Compiling a flag alone checks it without a strict schema, so fields a newer canaryd adds are ignored.
      const flag = raw.key === key ? raw : { ...raw, key };
      try {
        compileFlagSet({ [key]: flag });
        flags[key] = flag;
      } catch (error) {
        invalid.push(`${key}: ${(error as Error).message}`);
        const kept = previous?.flags[key];
        if (kept !== undefined) flags[key] = kept;
      }
    }
    const version = String(config.revision);
    const changed = previous ? changedFlagKeys(previous.flags, flags) : Object.keys(flags).sort();
    if (previous && changed.length === 0) {
      if (previous.version !== version)
        this.#loaded = { ...previous, config, version, metadata: new Map(), resolved: new WeakMap() };
      return { changed: undefined, invalid };
    }
    const evaluator = compileFlagSet(flags);
    this.#loaded = { config, flags, evaluator, version, metadata: new Map(), resolved: new WeakMap() };
    return { changed, invalid };
  }

  /**
   * Resolves one flag. Never throws.
   *
   * @param serveStable serve the `stableVersion` of flags with a live rollout (the stale fallback)
   */
  resolve<T extends FlagValue>(
    flagKey: string,
    type: FlagValueType,
    defaultValue: T,
    context: EvaluationContext,
    nowMs: number,
    serveStable: boolean,
  ): ResolutionDetails<T> {
    const loaded = this.#loaded;
    if (!loaded) {
      return {
        value: defaultValue,
        reason: StandardResolutionReasons.ERROR,
        errorCode: ErrorCode.PROVIDER_NOT_READY,
        errorMessage: NOT_READY_MESSAGE,
      };
    }
    try {
      const evaluated = loaded.evaluator.evaluate(flagKey, context, nowMs);
      if (!serveStable) {
        // The hot path: the same frozen answer every time this rules result comes back, nothing allocated.
        const known = loaded.resolved.get(evaluated);
        if (known !== undefined && known.type === type) return known.details as ResolutionDetails<T>;
      }
      const flagMetadata = this.#metadata(loaded, flagKey, evaluated.flagMetadata);
      if (serveStable) {
        const stable = stableResolution<T>(loaded.flags, flagKey, type);
        if (stable) return { ...stable, flagMetadata };
      }
      const details = checkType(evaluated, type);
      if (details.errorCode !== undefined) {
        return {
          value: defaultValue,
          reason: StandardResolutionReasons.ERROR,
          errorCode: details.errorCode as ErrorCode,
          ...(details.errorMessage === undefined ? {} : { errorMessage: details.errorMessage }),
          flagMetadata,
        };
      }
      if (details.value === undefined) {
        return { value: defaultValue, variant: details.variant, reason: details.reason, flagMetadata };
      }
      // One literal with a fixed shape, frozen and kept: the SDK copies what a provider answers, never changes it.
      const resolution: ResolutionDetails<T> = Object.freeze({
        value: details.value as T,
        variant: details.variant,
        reason: details.reason,
        flagMetadata,
      });
      if (details === evaluated) {
        loaded.resolved.set(evaluated, { type, details: resolution, settled: Promise.resolve(resolution) });
      }
      return resolution;
    } catch (error) {
      return {
        value: defaultValue,
        reason: StandardResolutionReasons.ERROR,
        errorCode: ErrorCode.GENERAL,
        errorMessage: `evaluating ${flagKey} failed: ${(error as Error).message}`,
      };
    }
  }

  /**
   * {@link resolve} as a promise (what a provider answers): when the answer is a kept one, the same settled promise
   * every time, so the call allocates nothing.
   */
  resolveSettled<T extends FlagValue>(
    flagKey: string,
    type: FlagValueType,
    defaultValue: T,
    context: EvaluationContext,
    nowMs: number,
    serveStable: boolean,
  ): Promise<ResolutionDetails<T>> {
    const loaded = this.#loaded;
    if (loaded !== undefined && !serveStable) {
      try {
        const known = loaded.resolved.get(loaded.evaluator.evaluate(flagKey, context, nowMs));
        if (known !== undefined && known.type === type) return known.settled as Promise<ResolutionDetails<T>>;
      } catch {
        // `resolve` evaluates again and reports it.
      }
    }
    return Promise.resolve(this.resolve(flagKey, type, defaultValue, context, nowMs, serveStable));
  }

  #metadata(loaded: LoadedConfig, flagKey: string, source: Readonly<FlagMetadata>): FlagMetadata {
    const cached = loaded.metadata.get(flagKey);
    if (cached?.source === source) return cached.merged;
    const merged: FlagMetadata = { ...source, [REVISION_METADATA_KEY]: loaded.version };
    // The span hook reads the assignment unit from the attribute named here (`targetingKey` without it).
    const flag = loaded.flags[flagKey];
    const bucketBy = flag === undefined ? undefined : bucketingAttribute(flag);
    if (bucketBy !== undefined) merged[BUCKET_BY_METADATA_KEY] = bucketBy;
    loaded.metadata.set(flagKey, { source, merged });
    return merged;
  }
}

/**
 * The stable version of a flag with a live rollout: the variant whose value (or name) is the flag's
 * `metadata.stableVersion`. `undefined` when the flag has no such metadata, is disabled, or the value has another type.
 */
function stableResolution<T extends FlagValue>(
  flags: FlagSet,
  flagKey: string,
  type: FlagValueType,
): Omit<ResolutionDetails<T>, 'flagMetadata'> | undefined {
  const flag = flags[flagKey];
  const stableVersion = flag?.metadata?.['stableVersion'];
  if (flag?.state !== 'ENABLED' || stableVersion === undefined) return undefined;
  const variants = Object.entries(flag.variants);
  const match =
    variants.find(([, value]) => value === stableVersion) ??
    variants.find(([name]) => name === String(stableVersion));
  if (!match) return undefined;
  const [variant, value] = match;
  if (typeOf(value) !== type) return undefined;
  return { value: value as T, variant, reason: StandardResolutionReasons.STALE };
}

function typeOf(value: unknown): FlagValueType | undefined {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return typeof value as FlagValueType;
    case 'object':
      return value === null ? undefined : 'object';
    default:
      return undefined;
  }
}
