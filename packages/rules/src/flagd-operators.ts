/**
 * flagd's custom JsonLogic operators (`fractional`, `sem_ver`, `starts_with`, `ends_with`), written against flagd's
 * documented behaviour and its evaluator test suite, and the `LogicEngine` that carries them.
 *
 * Every operator answers `null` for arguments it cannot use rather than throwing: flagd treats a `null` targeting
 * result as "serve the default variant", and the test suite requires exactly that for bad arguments.
 */
import { LogicEngine } from 'json-logic-engine';
import { coerce, parse, type SemVer } from 'semver';
import { bucketOfHash } from './bucketing.js';
import { murmur3 } from './murmur3.js';

/** The context key under which flagd exposes evaluation properties (`$flagd.flagKey`, `$flagd.timestamp`). */
export const FLAGD_PROPERTIES_KEY = '$flagd';

/** flagd caps the sum of `fractional` weights at the largest signed 32-bit integer. */
const MAX_TOTAL_WEIGHT = 2147483647;

/** Below this total, `hash * total` stays under 2^53 and plain number arithmetic is exact. */
const EXACT_NUMBER_TOTAL = 2 ** 21;

type BucketVariant = string | number | boolean | null;

interface Bucket {
  readonly variant: BucketVariant;
  readonly weight: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads the bucket list; `undefined` when any entry is malformed (flagd then ignores the whole operator). */
function readBuckets(entries: ReadonlyArray<unknown>): Bucket[] | undefined {
  const buckets: Bucket[] = [];
  for (const entry of entries) {
    if (!Array.isArray(entry) || entry.length === 0 || entry.length > 2) return undefined;
    const name: unknown = entry[0];
    let variant: BucketVariant;
    if (typeof name === 'string' || typeof name === 'number' || typeof name === 'boolean') variant = name;
    else if (name === null || name === undefined) variant = null;
    else return undefined;
    let weight = 1;
    if (entry.length === 2) {
      const raw: unknown = entry[1];
      if (typeof raw !== 'number' || !Number.isInteger(raw)) return undefined;
      // Computed rollouts can go below zero; flagd clamps rather than rejecting.
      weight = Math.max(0, raw);
    }
    buckets.push({ variant, weight });
  }
  return buckets;
}

function bucketFor(hash: number, total: number): number {
  if (total <= EXACT_NUMBER_TOTAL) return bucketOfHash(hash, total);
  return Number((BigInt(hash) * BigInt(total)) >> 32n);
}

/**
 * flagd's `fractional` (v2 bucketing). The first argument, when it evaluates to a string, is the hash input;
 * otherwise the input is `$flagd.flagKey + targetingKey` and every argument is a bucket `[variant, weight?]`
 * (weight 1 when omitted). `bucket = floor(murmur3(input) * totalWeight / 2^32)`; the first bucket whose running
 * weight exceeds it wins. `null` when the input or the buckets are unusable, or every weight is zero.
 */
export function fractional(args: unknown, data: unknown): BucketVariant {
  if (!Array.isArray(args) || args.length === 0 || !isRecord(data)) return null;
  const properties = data[FLAGD_PROPERTIES_KEY];
  if (!isRecord(properties)) return null;
  let input: string;
  let entries: ReadonlyArray<unknown>;
  if (typeof args[0] === 'string') {
    input = args[0];
    entries = args.slice(1);
  } else {
    const targetingKey = data['targetingKey'];
    const flagKey = properties['flagKey'];
    if (typeof targetingKey !== 'string' || typeof flagKey !== 'string') return null;
    input = flagKey + targetingKey;
    entries = args;
  }
  const buckets = readBuckets(entries);
  if (buckets === undefined) return null;
  let total = 0;
  for (const bucket of buckets) total += bucket.weight;
  if (total > MAX_TOTAL_WEIGHT) return null;
  const target = bucketFor(murmur3(input), total);
  let running = 0;
  for (const bucket of buckets) {
    running += bucket.weight;
    if (running > target) return bucket.variant;
  }
  return null;
}

/**
 * Parses a version the lenient way flagd does: a leading `v`/`V` is ignored, numbers are read as their decimal
 * text, and partial versions (`1`, `1.2`) are completed with zeros. Anything else that is not strict SemVer
 * (`2.0.0.0`, `not-a-version`) is `undefined`.
 */
export function parseFlagdVersion(raw: unknown): SemVer | undefined {
  if (typeof raw !== 'string' && typeof raw !== 'number') return undefined;
  const text = String(raw).replace(/^[vV]/, '');
  const strict = parse(text);
  if (strict !== null) return strict;
  // `coerce` alone would dig `1` out of `build_1`; only bare partial versions are completed.
  if (/^\d+(\.\d+)?$/.test(text)) return coerce(text) ?? undefined;
  return undefined;
}

/** The operators `sem_ver` understands. */
export const SEMVER_OPERATORS = ['=', '!=', '<', '<=', '>', '>=', '^', '~'] as const;

/** One of `SEMVER_OPERATORS`. */
export type SemverOperator = (typeof SEMVER_OPERATORS)[number];

function isSemverOperator(value: unknown): value is SemverOperator {
  return typeof value === 'string' && (SEMVER_OPERATORS as ReadonlyArray<string>).includes(value);
}

/**
 * Compares two versions with a `sem_ver` operator: `^` means same major, `~` same major and minor, the others
 * compare by SemVer precedence (build metadata ignored). `null` when either side does not parse or the operator is
 * unknown.
 */
export function compareFlagdVersions(left: unknown, operator: unknown, right: unknown): boolean | null {
  const a = parseFlagdVersion(left);
  const b = parseFlagdVersion(right);
  if (a === undefined || b === undefined || !isSemverOperator(operator)) return null;
  const order = a.compare(b);
  switch (operator) {
    case '=':
      return order === 0;
    case '!=':
      return order !== 0;
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
    case '^':
      return a.major === b.major;
    case '~':
      return a.major === b.major && a.minor === b.minor;
  }
}

/** flagd's `sem_ver`: `[version, operator, version]`; `null` for any other shape or unparsable input. */
export function semVer(args: unknown): boolean | null {
  if (!Array.isArray(args) || args.length !== 3) return null;
  return compareFlagdVersions(args[0], args[1], args[2]);
}

function stringPair(args: unknown): [string, string] | undefined {
  if (!Array.isArray(args) || args.length !== 2) return undefined;
  const [value, affix]: unknown[] = args;
  return typeof value === 'string' && typeof affix === 'string' ? [value, affix] : undefined;
}

/** flagd's `starts_with`: `[value, prefix]`, both strings; `null` otherwise (so the default variant applies). */
export function startsWith(args: unknown): boolean | null {
  const pair = stringPair(args);
  return pair === undefined ? null : pair[0].startsWith(pair[1]);
}

/** flagd's `ends_with`: `[value, suffix]`, both strings; `null` otherwise (so the default variant applies). */
export function endsWith(args: unknown): boolean | null {
  const pair = stringPair(args);
  return pair === undefined ? null : pair[0].endsWith(pair[1]);
}

/**
 * A JsonLogic engine with flagd's operators registered, as flagd-core configures json-logic-engine. Custom
 * operators receive their arguments already evaluated and the evaluation data as second argument.
 */
export function createFlagdLogicEngine(): LogicEngine {
  const engine = new LogicEngine();
  engine.addMethod('fractional', (args: unknown, data: unknown) => fractional(args, data));
  engine.addMethod('sem_ver', (args: unknown) => semVer(args));
  engine.addMethod('starts_with', (args: unknown) => startsWith(args));
  engine.addMethod('ends_with', (args: unknown) => endsWith(args));
  return engine;
}
