import type { Flag, FlagSet, FlagValue } from '@prompt-canary/rules';
import { BundleCache } from './bundle-cache.js';

/**
 * The config document canaryd serves to providers (`GET /api/v1/config`, and each `config` event of
 * `GET /api/v1/sync`). Fields this provider does not know are ignored.
 */
export interface ProviderConfig {
  readonly schemaVersion: 1;
  /** Monotonic config revision; also the SSE event id and the value stamped as `feature_flag.version`. */
  readonly revision: number | string;
  readonly flags: FlagSet;
  /**
   * Version bundles by content hash, named by companion flags' references `{"$bundle": hash}`. A stream event
   * carries only those the previous event did not; {@link parseProviderConfig} puts them in place.
   */
  readonly bundles?: Readonly<Record<string, FlagValue>>;
}

/** Thrown when a config document does not have the expected envelope. */
export class ProviderConfigError extends Error {
  override readonly name = 'ProviderConfigError';
}

/** Thrown when a config document refers to bundles neither it nor the cache holds: fetch the whole document. */
export class MissingBundlesError extends ProviderConfigError {
  constructor(
    source: string,
    readonly missing: readonly string[],
  ) {
    super(`${source}: config names ${missing.length} bundle(s) not received (${missing[0]})`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks the envelope of a config document (schema version, revision, flags as an object of objects). The flags
 * themselves are validated when `@prompt-canary/rules` compiles them.
 *
 * @param value parsed JSON, or a JSON string
 * @param source where the document came from, for the error message
 * @param cache the bundles already received on this connection; bundle references are resolved from the document
 * and the cache (a {@link MissingBundlesError} when one is in neither), so the flags returned hold the bundles
 */
export function parseProviderConfig(
  value: unknown,
  source: string,
  cache: BundleCache = new BundleCache(),
): ProviderConfig {
  let doc: unknown = value;
  if (typeof value === 'string') {
    try {
      doc = JSON.parse(value);
    } catch (error) {
      throw new ProviderConfigError(`${source}: config is not valid JSON (${(error as Error).message})`);
    }
  }
  if (!isRecord(doc)) throw new ProviderConfigError(`${source}: config must be a JSON object`);
  if (doc['schemaVersion'] !== 1) {
    throw new ProviderConfigError(
      `${source}: schemaVersion must be 1, got ${JSON.stringify(doc['schemaVersion'])}; upgrade @prompt-canary/openfeature-provider`,
    );
  }
  const revision = doc['revision'] ?? 0;
  if (typeof revision !== 'number' && typeof revision !== 'string') {
    throw new ProviderConfigError(`${source}: revision must be a number or a string`);
  }
  const flags = doc['flags'];
  if (!isRecord(flags)) throw new ProviderConfigError(`${source}: flags must be an object keyed by flag key`);
  for (const [key, flag] of Object.entries(flags)) {
    if (!isRecord(flag)) throw new ProviderConfigError(`${source}: flags.${key} must be an object`);
  }
  const bundles = doc['bundles'];
  if (bundles !== undefined && !isRecord(bundles)) {
    throw new ProviderConfigError(`${source}: bundles must be an object keyed by content hash`);
  }
  const resolved = cache.resolve(flags as FlagSet, bundles as Record<string, FlagValue> | undefined);
  if (!resolved.ok) throw new MissingBundlesError(source, resolved.missing);
  return { schemaVersion: 1, revision, flags: resolved.flags };
}

function deepEqual(left: unknown, right: unknown): boolean {
  if (left === right) return true;
  if (typeof left !== 'object' || typeof right !== 'object' || left === null || right === null) return false;
  if (Array.isArray(left) !== Array.isArray(right)) return false;
  const leftRecord = left as Record<string, unknown>;
  const rightRecord = right as Record<string, unknown>;
  const leftKeys = Object.keys(leftRecord).filter((key) => leftRecord[key] !== undefined);
  const rightKeys = Object.keys(rightRecord).filter((key) => rightRecord[key] !== undefined);
  if (leftKeys.length !== rightKeys.length) return false;
  return leftKeys.every((key) => deepEqual(leftRecord[key], rightRecord[key]));
}

/** The keys of flags added, removed or redefined between two flag sets, sorted. */
export function changedFlagKeys(before: FlagSet, after: FlagSet): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const changed: string[] = [];
  for (const key of keys) {
    const previous: Flag | undefined = before[key];
    const next: Flag | undefined = after[key];
    if (!deepEqual(previous, next)) changed.push(key);
  }
  return changed.sort();
}
