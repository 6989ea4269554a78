import { CONTENT_ATTRIBUTES, TelemetryAttributes } from '@prompt-canary/rules';
import type { Attributes, AttributeValue } from './ingest-sink.js';
import type { WireAnyValue, WireKeyValue } from './otlp-wire-types.js';
import { longToNumber, OtlpDecodeError, toDouble } from './wire-values.js';

/** Deepest nesting of array and key/value-list values read, as protobufjs's decoder allows (protoc's default). */
const MAX_DEPTH = 100;

/** The attribute that makes a span or point count for a rollout. */
export const FLAG_KEY = TelemetryAttributes.FLAG_KEY;

/** The span event carrying one flag evaluation (OpenTelemetry semantic conventions). */
export const FLAG_EVALUATION_EVENT = TelemetryAttributes.FLAG_EVALUATION_EVENT;

/**
 * Whether an attribute holds prompt or completion contents, which are never stored: `gen_ai.prompt*`,
 * `gen_ai.completion*` (older conventions, including the indexed `gen_ai.prompt.0.content` form),
 * `gen_ai.input.messages` and `gen_ai.output.messages` (current conventions).
 */
export function isContentAttribute(key: string): boolean {
  // One character test keeps the common, non-gen_ai case to a single comparison ('g' is 0x67).
  if (key.charCodeAt(0) !== 0x67 || !key.startsWith('gen_ai.')) return false;
  return (
    CONTENT_ATTRIBUTES.prefixes.some((prefix) => key.startsWith(prefix)) ||
    (CONTENT_ATTRIBUTES.exact as readonly string[]).includes(key)
  );
}

/** Whether a list of key/values carries `feature_flag.key`, without building anything. */
export function hasFlagKey(attributes: readonly WireKeyValue[]): boolean {
  for (let i = 0; i < attributes.length; i++) {
    if (attributes[i]?.key === FLAG_KEY) return true;
  }
  return false;
}

/**
 * Attribute keys last stored at each position of a key/value list, for {@link flattenAttributes}. Producers write
 * the same keys in the same order span after span, so a decoded key usually equals the one seen at its position
 * in the previous list; storing under that earlier string, which V8 has already internalized as a property name,
 * skips the string-table lookup that each freshly decoded key string costs as a property name (the bulk of the
 * time spent building records). Only keys that passed the checks below are remembered.
 */
export type KeyCache = string[];

/** A {@link KeyCache} for one kind of key/value list (span attributes, event attributes, point attributes). */
export function newKeyCache(): KeyCache {
  return [];
}

const sharedKeys: KeyCache = newKeyCache();
/** Positions past this are not cached (a list that long is not the common case worth remembering). */
export const MAX_CACHED_KEYS = 64;

/**
 * Copies OTLP key/values into a flat record, dropping contents (see {@link isContentAttribute}) and keys that
 * would reach `Object.prototype`. Later keys win, so span attributes written after resource ones override them.
 * `keys` remembers top-level keys by position (see {@link KeyCache}); it changes speed only, never the result.
 */
export function flattenAttributes(
  attributes: readonly WireKeyValue[],
  into: Attributes,
  prefix = '',
  depth = 0,
  keys: KeyCache = sharedKeys,
): Attributes {
  if (!Array.isArray(attributes)) throw new OtlpDecodeError('attributes: expected an array');
  if (depth > MAX_DEPTH) throw new OtlpDecodeError(`attributes: nested deeper than ${MAX_DEPTH} levels`);
  const cache = prefix === '' && depth === 0;
  for (let i = 0; i < attributes.length; i++) {
    const kv = attributes[i];
    if (kv === null || typeof kv !== 'object')
      throw new OtlpDecodeError('attributes: expected key/value objects');
    const key = admitKey(prefix === '' ? kv.key : `${prefix}.${kv.key}`, keys, cache ? i : MAX_CACHED_KEYS);
    if (key === undefined) continue;
    const value = kv.value;
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object') throw new OtlpDecodeError('attributes: expected an AnyValue object');
    const scalar = anyValueToAttribute(value, depth);
    if (scalar !== undefined) {
      into[key] = scalar;
      continue;
    }
    const kvlist = value.kvlistValue;
    if (kvlist !== null && kvlist !== undefined) flattenAttributes(kvlist.values ?? [], into, key, depth + 1);
  }
  return into;
}

/**
 * The key to store an attribute under, or `undefined` when it is dropped (not a string, empty, `__proto__`, or
 * contents: {@link isContentAttribute}). `position` is the attribute's place in its list, for the {@link KeyCache};
 * pass {@link MAX_CACHED_KEYS} or more for a key that should not be cached.
 */
export function admitKey(key: unknown, keys: KeyCache, position: number): string | undefined {
  const known = position < keys.length ? keys[position] : undefined;
  if (known !== undefined && known !== '' && key === known) return known;
  if (typeof key !== 'string' || key === '' || key === '__proto__' || isContentAttribute(key))
    return undefined;
  if (position < MAX_CACHED_KEYS) {
    while (keys.length < position) keys.push(''); // placeholders never match (empty keys are dropped)
    keys[position] = key;
  }
  return key;
}

/**
 * A fresh record holding `source`'s attributes, ready for more keys. Not `{...source}`: V8 gives a spread
 * object a map that each later keyed store must rebuild, which made flattening ~40× slower in the benchmark.
 */
export function copyAttributes(source: Attributes): Attributes {
  const copy: Attributes = {};
  for (const key in source) copy[key] = source[key] as AttributeValue;
  return copy;
}

/** One `AnyValue` as a flat attribute value, or `undefined` for an empty one (or a key/value list). */
export function anyValueToAttribute(value: WireAnyValue, depth = 0): AttributeValue | undefined {
  // Presence is an own property in both encodings: protobufjs sets only the arm it read (an unset scalar arm
  // reads as its default from the prototype), and OTLP/JSON carries only the arm that is set. Tests run in
  // order of how common each arm is in real telemetry.
  if (hasOwn(value, 'stringValue') && value.stringValue !== null) return stringArm(value.stringValue);
  if (hasOwn(value, 'intValue') && value.intValue !== null)
    return longToNumber(value.intValue, 'AnyValue.intValue');
  if (hasOwn(value, 'doubleValue') && value.doubleValue !== null) {
    return toDouble(value.doubleValue, 'AnyValue.doubleValue');
  }
  if (hasOwn(value, 'boolValue') && value.boolValue !== null) return boolArm(value.boolValue);
  const array = value.arrayValue;
  if (array !== null && array !== undefined)
    return JSON.stringify(arrayToPlain(array.values ?? [], depth + 1));
  if (hasOwn(value, 'bytesValue') && value.bytesValue !== null) return bytesArm(value.bytesValue);
  return undefined;
}

const ownProperty = Object.prototype.hasOwnProperty;

/** Whether `key` was present in the decoded message or JSON object (protobufjs sets only fields it read). */
export function hasOwn(value: object, key: string): boolean {
  return ownProperty.call(value, key);
}

function stringArm(s: unknown): string {
  if (typeof s !== 'string') throw new OtlpDecodeError('AnyValue.stringValue: expected a string');
  return s;
}

function boolArm(b: unknown): boolean {
  if (typeof b !== 'boolean') throw new OtlpDecodeError('AnyValue.boolValue: expected a boolean');
  return b;
}

function bytesArm(bytes: unknown): string {
  // OTLP/JSON already sends base64; protobuf gives the bytes.
  if (typeof bytes === 'string') return bytes;
  if (bytes instanceof Uint8Array) return Buffer.from(bytes).toString('base64');
  throw new OtlpDecodeError('AnyValue.bytesValue: expected bytes');
}

type Plain = AttributeValue | null | Plain[] | { [key: string]: Plain };

function arrayToPlain(values: readonly WireAnyValue[], depth: number): Plain[] {
  if (!Array.isArray(values)) throw new OtlpDecodeError('AnyValue.arrayValue.values: expected an array');
  if (depth > MAX_DEPTH) throw new OtlpDecodeError(`attributes: nested deeper than ${MAX_DEPTH} levels`);
  return values.map((v) => {
    if (v === null || typeof v !== 'object') return null;
    if (v.arrayValue) return arrayToPlain(v.arrayValue.values ?? [], depth + 1);
    if (v.kvlistValue) return flattenAttributes(v.kvlistValue.values ?? [], {}, '', depth + 1);
    return anyValueToAttribute(v, depth) ?? null;
  });
}
