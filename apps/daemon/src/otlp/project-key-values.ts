import type { Type } from 'protobufjs';
import {
  admitKey,
  anyValueToAttribute,
  FLAG_KEY,
  flattenAttributes,
  type KeyCache,
  MAX_CACHED_KEYS,
  newKeyCache,
} from './flatten-attributes.js';
import type { Attributes, AttributeValue } from './ingest-sink.js';
import type { WireKeyValue, WireLong } from './otlp-wire-types.js';
import { I64, LEN, skipBytes, skipField, tagOf, VARINT, type WireReader } from './wire-reading.js';
import { longToNumber } from './wire-values.js';

/*
 * OTLP key/value lists read from the wire straight into a flat attribute record: the part of the trace projection
 * (`project-protobuf-traces.ts`) that most of its time goes to, with the caches that make repeating keys and values
 * free.
 */

const KEY_VALUE_KEY = tagOf(1, LEN);
const KEY_VALUE_VALUE = tagOf(2, LEN);
const ANY_STRING = tagOf(1, LEN);
const ANY_BOOL = tagOf(2, VARINT);
const ANY_INT = tagOf(3, VARINT);
const ANY_DOUBLE = tagOf(4, I64);
const ANY_ARRAY = tagOf(5, LEN);
const ANY_BYTES = tagOf(7, LEN);

/** The fields read here, as `[message, field, tag]` (see `PROJECTED_FIELDS`). */
export const KEY_VALUE_FIELDS: ReadonlyArray<readonly [string, string, number]> = [
  ['common.v1.KeyValue', 'key', KEY_VALUE_KEY],
  ['common.v1.KeyValue', 'value', KEY_VALUE_VALUE],
  ['common.v1.AnyValue', 'stringValue', ANY_STRING],
  ['common.v1.AnyValue', 'boolValue', ANY_BOOL],
  ['common.v1.AnyValue', 'intValue', ANY_INT],
  ['common.v1.AnyValue', 'doubleValue', ANY_DOUBLE],
  ['common.v1.AnyValue', 'arrayValue', ANY_ARRAY],
  ['common.v1.AnyValue', 'bytesValue', ANY_BYTES],
];

/**
 * What was last read at each position of one kind of key/value list, as wire bytes and as what they were read as.
 * Producers write the same keys in the same order span after span, and most values repeat too (the method, the
 * route, the model, the flag key, the variant, a session's unit id over its turns): when the bytes at a position
 * equal the last ones there, the string read then is used again, so the common attribute allocates nothing and
 * calls no decoder. It changes speed only, never the result. The key strings are also a {@link KeyCache}.
 */
export interface ListCache {
  readonly keys: KeyCache;
  readonly keyBytes: Array<Uint8Array | undefined>;
  readonly rawKeys: string[];
  readonly valueBytes: Array<Uint8Array | undefined>;
  readonly values: AttributeValue[];
  /** Values read afresh in a row at each position: one that changes every time is not copied every time. */
  readonly valueMisses: number[];
  /** Where the key just read lies on the wire when it was read afresh (−1 when it came from the cache). */
  missStart: number;
  missEnd: number;
}

function newListCache(): ListCache {
  return {
    keys: newKeyCache(),
    keyBytes: [],
    rawKeys: [],
    valueBytes: [],
    values: [],
    valueMisses: [],
    missStart: -1,
    missEnd: -1,
  };
}

/** What {@link readKeyValue} found: the key is `feature_flag.key`; the attribute was kept. */
export const FLAGGED = 1;
export const KEPT = 2;

/** Caches for span and flag-event attribute lists, whose keys differ. */
export const spanCache = newListCache();
export const eventCache = newListCache();
/** For resource attributes and the rare attributes decoded by protobufjs: never cached by position. */
export const uncached = newListCache();
/** Wire values longer than this are not kept for comparison (long ones rarely repeat exactly). */
const MAX_CACHED_BYTES = 64;
/** The first byte of an AnyValue holding a string or an array: the arms worth remembering (others read cheaply). */
const STRING_FIRST = ANY_STRING;
const ARRAY_FIRST = ANY_ARRAY;

/**
 * Reads the KeyValue the reader is narrowed to into `into`; says whether its key is `feature_flag.key` (whatever its
 * value, as the receiver's flag filter reads it: {@link FLAGGED}) and whether it was kept ({@link KEPT}). A dropped
 * key (empty, `__proto__`, prompt or completion contents, or not in `only` when given) leaves its value unread.
 */
export function readKeyValue(
  r: WireReader,
  into: Attributes,
  cache: ListCache,
  position: number,
  keyValue: Type,
  only?: readonly string[],
): number {
  const start = r.pos;
  let rawKey = '';
  let valueStart = -1;
  let valueEnd = -1;
  let plain = true;
  cache.missStart = -1;
  while (r.pos < r.len) {
    const tag = r.tag();
    if (tag === KEY_VALUE_KEY) {
      rawKey = readKey(r, cache, position);
    } else if (tag === KEY_VALUE_VALUE) {
      // A second value field would merge with the first: left to protobufjs below.
      if (valueStart >= 0) plain = false;
      valueStart = skipBytes(r);
      valueEnd = r.pos;
    } else {
      skipField(r, tag);
    }
  }
  const flagged = rawKey === FLAG_KEY ? FLAGGED : 0;
  if (only !== undefined && !only.includes(rawKey)) return flagged;
  const key = admitKey(rawKey, cache.keys, position);
  if (key === undefined) return flagged;
  const buf = r.buf;
  if (cache.missStart >= 0 && cache.missEnd - cache.missStart <= MAX_CACHED_BYTES) {
    // Only kept keys are remembered, so a dropped one in between does not evict the key usually found here.
    cache.keyBytes[position] = copyBytes(buf, cache.missStart, cache.missEnd);
    cache.rawKeys[position] = rawKey;
  }
  if (valueStart < 0) return flagged | KEPT;
  const first = buf[valueStart];
  const cacheable =
    plain &&
    position < MAX_CACHED_KEYS &&
    valueEnd - valueStart <= MAX_CACHED_BYTES &&
    (first === STRING_FIRST || first === ARRAY_FIRST);
  if (cacheable) {
    const known = cache.valueBytes[position];
    if (known !== undefined && sameBytes(buf, valueStart, valueEnd, known)) {
      into[key] = cache.values[position] as AttributeValue;
      cache.valueMisses[position] = 0;
      return flagged | KEPT;
    }
  }
  const end = r.pos;
  const outer = r.len;
  r.pos = valueStart;
  r.len = valueEnd;
  let value = plain ? readScalar(r) : NOT_SCALAR;
  r.pos = end;
  r.len = outer;
  if (value === NOT_SCALAR) {
    // Arrays, key/value lists, merged values: protobufjs decodes the pair, the JSON path's code reads it.
    const decoded = decodeKeyValue(buf, start, end, keyValue).value;
    if (decoded === null || decoded === undefined) return flagged | KEPT;
    value = anyValueToAttribute(decoded);
    if (value === undefined) {
      const kvlist = decoded.kvlistValue;
      if (kvlist !== null && kvlist !== undefined) flattenAttributes(kvlist.values ?? [], into, key, 1);
      return flagged | KEPT;
    }
  }
  if (value === undefined) return flagged | KEPT;
  into[key] = value;
  if (cacheable) {
    // A value that changed at every recent read (an id, say) is copied only now and then.
    const misses = (cache.valueMisses[position] ?? 0) + 1;
    cache.valueMisses[position] = misses;
    if (misses <= 4 || (misses & 15) === 0) {
      cache.valueBytes[position] = copyBytes(buf, valueStart, valueEnd);
      cache.values[position] = value;
    }
  }
  return flagged | KEPT;
}

/**
 * A KeyValue's key (the field's length comes next on the wire): the string read last time at this position when
 * the bytes are the same, else freshly decoded, with its place on the wire left in `cache.missStart`/`missEnd`.
 */
function readKey(r: WireReader, cache: ListCache, position: number): string {
  if (position >= MAX_CACHED_KEYS) return r.string();
  const lengthAt = r.pos;
  const length = r.uint32();
  const start = r.pos;
  const end = start + length;
  const known = cache.keyBytes[position];
  if (known !== undefined && end <= r.len && sameBytes(r.buf, start, end, known)) {
    r.pos = end;
    return cache.rawKeys[position] as string;
  }
  r.pos = lengthAt;
  const key = r.string();
  cache.missStart = start;
  cache.missEnd = end;
  return key;
}

/** A copy (never a view: the request body's memory is not ours to keep). */
function copyBytes(buf: Uint8Array, start: number, end: number): Uint8Array {
  const copy = new Uint8Array(end - start);
  copy.set(buf.subarray(start, end));
  return copy;
}

/** Whether `buf[start, end)` holds exactly the bytes of `known` (short runs: a loop beats a native call). */
function sameBytes(buf: Uint8Array, start: number, end: number, known: Uint8Array): boolean {
  if (end - start !== known.length) return false;
  for (let i = 0; i < known.length; i++) {
    if (buf[start + i] !== known[i]) return false;
  }
  return true;
}

/** Marks an AnyValue that is not a single scalar field. */
const NOT_SCALAR = Symbol('not a scalar');

/** The AnyValue the reader is narrowed to, when it is exactly one scalar field; `undefined` when it is empty. */
function readScalar(r: WireReader): AttributeValue | undefined | typeof NOT_SCALAR {
  if (r.pos === r.len) return undefined;
  const tag = r.tag();
  let value: AttributeValue;
  switch (tag) {
    case ANY_STRING:
      value = r.string();
      break;
    case ANY_INT:
      value = readInt64(r);
      break;
    case ANY_DOUBLE:
      value = r.double();
      break;
    case ANY_BOOL:
      value = r.bool();
      break;
    case ANY_BYTES:
      value = (r.bytes() as Buffer).toString('base64');
      break;
    default:
      return NOT_SCALAR;
  }
  return r.pos === r.len ? value : NOT_SCALAR;
}

/**
 * An `int64` varint as a number. One that ends within four bytes (below 2^28: token counts, status codes) reads the
 * same as a `uint32`, without the `Long` that protobufjs builds for 64-bit values.
 */
function readInt64(r: WireReader): number {
  const buf = r.buf;
  const p = r.pos;
  if (
    p + 4 <= r.len &&
    ((buf[p] as number) < 128 ||
      (buf[p + 1] as number) < 128 ||
      (buf[p + 2] as number) < 128 ||
      (buf[p + 3] as number) < 128)
  ) {
    return r.uint32();
  }
  return longToNumber(r.int64() as unknown as WireLong, 'AnyValue.intValue');
}

function decodeKeyValue(buf: Uint8Array, start: number, end: number, type: Type): WireKeyValue {
  return type.decode(buf.subarray(start, end)) as unknown as WireKeyValue;
}
