import { createHmac } from 'node:crypto';

/**
 * How spans carry the assignment unit as `feature_flag.context.id`: `'hashed'` (a keyed hash, the default), `'raw'`
 * (the bucketing value itself: session or user ids reach the telemetry backend) or `'off'` (not at all: the analysis
 * then counts requests, not units).
 */
export type ContextIdMode = 'hashed' | 'raw' | 'off';

/** Options of the `feature_flag.context.id` attribute. */
export interface ContextIdOptions {
  /** How the unit is sent. Default `'hashed'`. */
  readonly contextId?: ContextIdMode;
  /**
   * The HMAC key of `'hashed'` ids. Give every instance of the app the same secret (and keep it from canaryd) so
   * ids cannot be reversed by guessing units. Default {@link DEFAULT_CONTEXT_ID_KEY}, which is public: ids are then
   * only pseudonymous (stable, not secret).
   */
  readonly contextIdKey?: string;
}

/**
 * The HMAC key used when none is configured. Public on purpose, so that every process and every language computes
 * the same id for the same flag and unit; it pseudonymizes, it does not anonymize.
 */
export const DEFAULT_CONTEXT_ID_KEY = 'prompt-canary';

/** Hex characters kept of the HMAC: 64 bits, so two of 10 million units collide with probability ~3·10⁻⁶. */
const ID_LENGTH = 16;

/**
 * The hashed `feature_flag.context.id` of `unit` for `flagKey`: the first 16 hex digits of
 * HMAC-SHA-256(key, UTF-8(flagKey + "\u0000" + unit)). Ids are per flag, so a unit cannot be followed across flags.
 */
export function hashContextId(key: string, flagKey: string, unit: string): string {
  return createHmac('sha256', key)
    .update(`${flagKey}\u0000${unit}`, 'utf8')
    .digest('hex')
    .slice(0, ID_LENGTH);
}

/** Checks {@link ContextIdOptions}; throws a `TypeError` naming the option on invalid configuration. */
export function checkContextIdOptions(options: ContextIdOptions): void {
  const mode = options.contextId;
  if (mode !== undefined && mode !== 'hashed' && mode !== 'raw' && mode !== 'off') {
    throw new TypeError(
      `FlagSpanHook option \`contextId\` must be 'hashed', 'raw' or 'off', got ${JSON.stringify(mode)}`,
    );
  }
  const key = options.contextIdKey;
  if (key !== undefined && (typeof key !== 'string' || key === '')) {
    throw new TypeError(
      'FlagSpanHook option `contextIdKey` must be a non-empty string (is the variable it is read from unset?)',
    );
  }
}

/**
 * Turns units into `feature_flag.context.id` values as {@link ContextIdOptions} say. Hashing costs an HMAC (a few
 * microseconds): callers on the hot path remember the ids of recent units (see `FeatureFlagAttributeCache`).
 */
export class ContextIdEncoder {
  readonly #mode: ContextIdMode;
  readonly #key: string;

  /** @param options invalid options throw a `TypeError` naming them */
  constructor(options: ContextIdOptions = {}) {
    checkContextIdOptions(options);
    this.#mode = options.contextId ?? 'hashed';
    this.#key = options.contextIdKey ?? DEFAULT_CONTEXT_ID_KEY;
  }

  /** Whether ids are sent at all. */
  get enabled(): boolean {
    return this.#mode !== 'off';
  }

  /** The id of `unit` for `flagKey`, or `undefined` when the mode is `'off'`. */
  idOf(flagKey: string, unit: string): string | undefined {
    if (this.#mode !== 'hashed') return this.#mode === 'raw' ? unit : undefined;
    return hashContextId(this.#key, flagKey, unit);
  }
}
