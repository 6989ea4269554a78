import type { Flag, FlagSet } from '@prompt-canary/rules';

/**
 * The config document canaryd serves to providers (`GET /api/v1/config`, and each `config` event of
 * `GET /api/v1/sync`). Fields this provider does not know are ignored.
 */
export interface ProviderConfig {
  readonly schemaVersion: 1;
  /** Monotonic config revision; also the SSE event id and the value stamped as `feature_flag.version`. */
  readonly revision: number | string;
  readonly flags: FlagSet;
}

/** Thrown when a config document does not have the expected envelope. */
export class ProviderConfigError extends Error {
  override readonly name = 'ProviderConfigError';
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
 */
export function parseProviderConfig(value: unknown, source: string): ProviderConfig {
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
  return { schemaVersion: 1, revision, flags: flags as FlagSet };
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
