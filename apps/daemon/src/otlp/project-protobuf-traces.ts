import protobuf, { type Type } from 'protobufjs';
import {
  admitKey,
  anyValueToAttribute,
  copyAttributes,
  FLAG_EVALUATION_EVENT,
  FLAG_KEY,
  flattenAttributes,
  type KeyCache,
  MAX_CACHED_KEYS,
  newKeyCache,
} from './flatten-attributes.js';
import type { Attributes, AttributeValue, OtlpSpan } from './ingest-sink.js';
import type { WireKeyValue, WireLong } from './otlp-wire-types.js';
import { longToNumber, OtlpDecodeError } from './wire-values.js';

/*
 * A projection of OTLP trace requests straight from the protobuf wire into the receiver's flat span records.
 *
 * protobufjs's reflection decoder materialises every message as an object (a KeyValue and an AnyValue per attribute,
 * a Buffer per id, a Long per timestamp) that the receiver then copies into one flat record and drops: about half of
 * the daemon's ingest CPU went to building and collecting those objects (docs/adr/0011). This reads the same wire
 * format with protobufjs's own `Reader` (varints, lengths, strings, skipping unknown fields by wire type), walking
 * `ExportTraceServiceRequest → ResourceSpans → ScopeSpans → Span` and writing each span's attributes into its record
 * as they are read. It follows protobufjs's decoder where a message is unusual: a field with an unexpected wire type
 * is skipped, a later scalar wins, nested lengths are checked against the enclosing message. Anything rarer than one
 * scalar value per attribute (arrays, key/value lists, repeated or mixed value fields) is decoded by protobufjs and
 * flattened by the same code as before, so every result equals `flattenAttributes` over protobufjs's decode
 * (`project-protobuf-traces.test.ts` checks that on generated requests).
 */

const { Reader } = protobuf;
type WireReader = protobuf.Reader;

const VARINT = 0;
const I64 = 1;
const LEN = 2;

/** A field's tag as it appears on the wire: field number and wire type. */
function tagOf(field: number, wireType: number): number {
  return ((field << 3) | wireType) >>> 0;
}

const REQUEST_RESOURCE_SPANS = tagOf(1, LEN);
const RESOURCE_SPANS_RESOURCE = tagOf(1, LEN);
const RESOURCE_SPANS_SCOPE_SPANS = tagOf(2, LEN);
const RESOURCE_ATTRIBUTES = tagOf(1, LEN);
const SCOPE_SPANS_SPANS = tagOf(2, LEN);
const SPAN_TRACE_ID = tagOf(1, LEN);
const SPAN_SPAN_ID = tagOf(2, LEN);
const SPAN_PARENT_SPAN_ID = tagOf(4, LEN);
const SPAN_NAME = tagOf(5, LEN);
const SPAN_KIND = tagOf(6, VARINT);
const SPAN_START = tagOf(7, I64);
const SPAN_END = tagOf(8, I64);
const SPAN_ATTRIBUTES = tagOf(9, LEN);
const SPAN_EVENTS = tagOf(11, LEN);
const SPAN_STATUS = tagOf(15, LEN);
const EVENT_NAME = tagOf(2, LEN);
const EVENT_ATTRIBUTES = tagOf(3, LEN);
const STATUS_CODE = tagOf(3, VARINT);
const KEY_VALUE_KEY = tagOf(1, LEN);
const KEY_VALUE_VALUE = tagOf(2, LEN);
const ANY_STRING = tagOf(1, LEN);
const ANY_BOOL = tagOf(2, VARINT);
const ANY_INT = tagOf(3, VARINT);
const ANY_DOUBLE = tagOf(4, I64);
const ANY_BYTES = tagOf(7, LEN);

/**
 * Every field the projection reads, as `[message, field, tag]`: the tags above, spelled out so that
 * `project-protobuf-traces.test.ts` can check each against the schema (itself checked against the published files).
 */
export const PROJECTED_FIELDS: ReadonlyArray<readonly [string, string, number]> = [
  ['collector.trace.v1.ExportTraceServiceRequest', 'resourceSpans', REQUEST_RESOURCE_SPANS],
  ['trace.v1.ResourceSpans', 'resource', RESOURCE_SPANS_RESOURCE],
  ['trace.v1.ResourceSpans', 'scopeSpans', RESOURCE_SPANS_SCOPE_SPANS],
  ['resource.v1.Resource', 'attributes', RESOURCE_ATTRIBUTES],
  ['trace.v1.ScopeSpans', 'spans', SCOPE_SPANS_SPANS],
  ['trace.v1.Span', 'traceId', SPAN_TRACE_ID],
  ['trace.v1.Span', 'spanId', SPAN_SPAN_ID],
  ['trace.v1.Span', 'parentSpanId', SPAN_PARENT_SPAN_ID],
  ['trace.v1.Span', 'name', SPAN_NAME],
  ['trace.v1.Span', 'kind', SPAN_KIND],
  ['trace.v1.Span', 'startTimeUnixNano', SPAN_START],
  ['trace.v1.Span', 'endTimeUnixNano', SPAN_END],
  ['trace.v1.Span', 'attributes', SPAN_ATTRIBUTES],
  ['trace.v1.Span', 'events', SPAN_EVENTS],
  ['trace.v1.Span', 'status', SPAN_STATUS],
  ['trace.v1.Span.Event', 'name', EVENT_NAME],
  ['trace.v1.Span.Event', 'attributes', EVENT_ATTRIBUTES],
  ['trace.v1.Status', 'code', STATUS_CODE],
  ['common.v1.KeyValue', 'key', KEY_VALUE_KEY],
  ['common.v1.KeyValue', 'value', KEY_VALUE_VALUE],
  ['common.v1.AnyValue', 'stringValue', ANY_STRING],
  ['common.v1.AnyValue', 'boolValue', ANY_BOOL],
  ['common.v1.AnyValue', 'intValue', ANY_INT],
  ['common.v1.AnyValue', 'doubleValue', ANY_DOUBLE],
  ['common.v1.AnyValue', 'bytesValue', ANY_BYTES],
];

const TWO_TO_32 = 4294967296;
const STATUS_ERROR = 2;

/** What a request's spans came to, counted by {@link projectProtobufTraces}. */
export interface ProjectedTraces {
  accepted: number;
  ignored: number;
  rejected: number;
  rejectReason: string | undefined;
}

/** Resource attribute keys copied onto each span of the resource. */
export type IdentityKeys = readonly string[];

/**
 * What was last read at each position of one kind of key/value list, as wire bytes and as what they were read as.
 * Producers write the same keys in the same order span after span, and most values repeat too (the method, the
 * route, the model, the flag key, the variant, a session's unit id over its turns): when the bytes at a position
 * equal the last ones there, the string read then is used again, so the common attribute allocates nothing and
 * calls no decoder. It changes speed only, never the result. The key strings are also a {@link KeyCache}.
 */
interface ListCache {
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
const FLAGGED = 1;
const KEPT = 2;

/** Caches for span and flag-event attribute lists, whose keys differ. */
const spanCache = newListCache();
const eventCache = newListCache();
/** For resource attributes and the rare attributes decoded by protobufjs: never cached by position. */
const uncached = newListCache();
/** Wire values longer than this are not kept for comparison (long ones rarely repeat exactly). */
const MAX_CACHED_BYTES = 64;
/** The first byte of an AnyValue holding a string or an array: the arms worth remembering (others read cheaply). */
const STRING_FIRST = ANY_STRING;
const ARRAY_FIRST = tagOf(5, LEN);

/**
 * Reads an `ExportTraceServiceRequest` from `body`: each usable flag-bearing span is handed to `each` as a record as
 * soon as it is read, the others are counted in `out` as ignored, unusable flag-bearing ones as rejected (with the
 * first reason).
 *
 * @param keyValue protobufjs's `KeyValue` type, for the attributes the projection leaves to it.
 * @throws OtlpDecodeError when the body is not a valid message.
 */
export function projectProtobufTraces(
  body: Buffer,
  out: ProjectedTraces,
  each: (span: OtlpSpan) => void,
  identityKeys: IdentityKeys,
  keyValue: Type,
): void {
  const r = Reader.create(body);
  const context: Context = { out, each, identityKeys, keyValue };
  try {
    while (r.pos < r.len) {
      const tag = r.tag();
      if (tag === REQUEST_RESOURCE_SPANS) {
        const outer = enter(r);
        readResourceSpans(r, context);
        leave(r, outer);
      } else {
        skipField(r, tag);
      }
    }
  } catch (error) {
    if (error instanceof OtlpDecodeError) throw error;
    throw new OtlpDecodeError(`invalid protobuf ExportTraceServiceRequest: ${(error as Error).message}`);
  }
}

interface Context {
  readonly out: ProjectedTraces;
  readonly each: (span: OtlpSpan) => void;
  readonly identityKeys: IdentityKeys;
  readonly keyValue: Type;
}

/** Narrows the reader to the length-delimited message that starts here; returns the enclosing end. */
function enter(r: WireReader): number {
  const length = r.uint32();
  const end = r.pos + length;
  if (end > r.len) throw new RangeError(`index out of range: ${r.pos} + ${length} > ${r.len}`);
  const outer = r.len;
  r.len = end;
  return outer;
}

/** Back to the enclosing message, which must have been read to its end. */
function leave(r: WireReader, outer: number): void {
  if (r.pos !== r.len) throw new RangeError('index out of range');
  r.len = outer;
}

function skipField(r: WireReader, tag: number): void {
  r.skipType(tag & 7, 0, tag >>> 3);
}

/** Skips a length-delimited field and returns where its bytes start (its length is `r.pos − start` after). */
function skipBytes(r: WireReader): number {
  const length = r.uint32();
  const start = r.pos;
  r.skip(length);
  return start;
}

function readResourceSpans(r: WireReader, context: Context): void {
  // The resource may follow its scope spans on the wire: read it first, and the scope spans after.
  let identity: Attributes | undefined;
  const scopes: number[] = [];
  while (r.pos < r.len) {
    const tag = r.tag();
    if (tag === RESOURCE_SPANS_RESOURCE) {
      const outer = enter(r);
      identity = readResource(r, context, identity ?? {});
      leave(r, outer);
    } else if (tag === RESOURCE_SPANS_SCOPE_SPANS) {
      const start = skipBytes(r);
      scopes.push(start, r.pos);
    } else {
      skipField(r, tag);
    }
  }
  if (scopes.length === 0) return;
  const end = r.pos;
  const outer = r.len;
  for (let i = 0; i < scopes.length; i += 2) {
    r.pos = scopes[i] as number;
    r.len = scopes[i + 1] as number;
    readScopeSpans(r, context, identity ?? EMPTY);
  }
  r.pos = end;
  r.len = outer;
}

const EMPTY: Attributes = Object.freeze({}) as Attributes;

/** The resource's `service.*` / deployment attributes; the rest of the resource is skipped unread. */
function readResource(r: WireReader, context: Context, identity: Attributes): Attributes {
  while (r.pos < r.len) {
    const tag = r.tag();
    if (tag === RESOURCE_ATTRIBUTES) {
      const outer = enter(r);
      readKeyValue(r, identity, uncached, MAX_CACHED_KEYS, context, context.identityKeys);
      leave(r, outer);
    } else {
      skipField(r, tag);
    }
  }
  return identity;
}

function readScopeSpans(r: WireReader, context: Context, identity: Attributes): void {
  while (r.pos < r.len) {
    const tag = r.tag();
    if (tag === SCOPE_SPANS_SPANS) {
      const outer = enter(r);
      readSpan(r, context, identity);
      leave(r, outer);
    } else {
      skipField(r, tag);
    }
  }
}

function readSpan(r: WireReader, context: Context, identity: Attributes): void {
  let traceStart = -1;
  let traceEnd = -1;
  let spanStart = -1;
  let spanEnd = -1;
  let parentStart = -1;
  let parentEnd = -1;
  let name = '';
  let kind = 0;
  let startLow = 0;
  let startHigh = 0;
  let endLow = 0;
  let endHigh = 0;
  let code = 0;
  let flagged = false;
  let position = 0;
  const attributes = copyAttributes(identity);
  let flagEvaluations: Attributes[] | undefined;
  while (r.pos < r.len) {
    const tag = r.tag();
    switch (tag) {
      case SPAN_ATTRIBUTES: {
        const outer = enter(r);
        // Dropped attributes (contents) do not move the position, so optional ones do not shift the cache.
        const found = readKeyValue(r, attributes, spanCache, position, context);
        if ((found & FLAGGED) !== 0) flagged = true;
        if ((found & KEPT) !== 0) position++;
        leave(r, outer);
        break;
      }
      case SPAN_TRACE_ID:
        traceStart = skipBytes(r);
        traceEnd = r.pos;
        break;
      case SPAN_SPAN_ID:
        spanStart = skipBytes(r);
        spanEnd = r.pos;
        break;
      case SPAN_PARENT_SPAN_ID:
        parentStart = skipBytes(r);
        parentEnd = r.pos;
        break;
      case SPAN_NAME:
        name = r.string();
        break;
      case SPAN_KIND:
        kind = r.int32();
        break;
      case SPAN_START:
        startLow = r.fixed32();
        startHigh = r.fixed32();
        break;
      case SPAN_END:
        endLow = r.fixed32();
        endHigh = r.fixed32();
        break;
      case SPAN_EVENTS: {
        const outer = enter(r);
        const evaluation = readEvent(r, context);
        leave(r, outer);
        if (evaluation !== undefined) {
          if (flagEvaluations === undefined) flagEvaluations = [];
          flagEvaluations.push(evaluation.attributes);
          if (evaluation.flagged) flagged = true;
        }
        break;
      }
      case SPAN_STATUS: {
        // A repeated message field merges, as protobufjs's decoder does: a later status without a code keeps it.
        const outer = enter(r);
        code = readStatusCode(r, code);
        leave(r, outer);
        break;
      }
      default:
        skipField(r, tag);
    }
  }
  const out = context.out;
  if (!flagged) {
    out.ignored++;
    return;
  }
  const parentLength = parentEnd - parentStart;
  const startMs = (startHigh * TWO_TO_32 + startLow) / 1e6;
  const endMs = (endHigh * TWO_TO_32 + endLow) / 1e6;
  // Exact for the spans we see, where subtracting the two converted timestamps would lose their last ~8 bits.
  const durationNs = (endHigh - startHigh) * TWO_TO_32 + (endLow - startLow);
  const why =
    traceEnd - traceStart !== 16
      ? 'span with an invalid trace_id'
      : spanEnd - spanStart !== 8
        ? 'span with an invalid span_id'
        : parentLength !== 0 && parentLength !== 8
          ? 'span with an invalid parent_span_id'
          : startMs === 0
            ? 'span without start_time_unix_nano'
            : endMs === 0
              ? 'span without end_time_unix_nano'
              : durationNs < 0
                ? 'span with end_time_unix_nano before start_time_unix_nano'
                : undefined;
  if (why !== undefined) {
    out.rejected++;
    out.rejectReason ??= why;
    return;
  }
  const buf = r.buf as Buffer;
  out.accepted++;
  context.each({
    traceId: buf.toString('hex', traceStart, traceEnd),
    spanId: buf.toString('hex', spanStart, spanEnd),
    parentSpanId: parentLength === 0 ? '' : buf.toString('hex', parentStart, parentEnd),
    name,
    kind,
    startMs,
    endMs,
    durationMs: durationNs / 1e6,
    error: code === STATUS_ERROR,
    attributes,
    flagEvaluations: flagEvaluations ?? [],
  });
}

function readStatusCode(r: WireReader, code: number): number {
  let result = code;
  while (r.pos < r.len) {
    const tag = r.tag();
    if (tag === STATUS_CODE) result = r.int32();
    else skipField(r, tag);
  }
  return result;
}

/**
 * A `feature_flag.evaluation` event's attributes and whether they name a flag; `undefined` for any other event.
 * The name is read first (it usually precedes the attributes, but need not), so other events cost a scan only.
 */
function readEvent(
  r: WireReader,
  context: Context,
): { attributes: Attributes; flagged: boolean } | undefined {
  const start = r.pos;
  let name = '';
  while (r.pos < r.len) {
    const tag = r.tag();
    if (tag === EVENT_NAME) name = r.string();
    else skipField(r, tag);
  }
  if (name !== FLAG_EVALUATION_EVENT) return undefined;
  const end = r.pos;
  r.pos = start;
  const attributes: Attributes = {};
  let flagged = false;
  let position = 0;
  while (r.pos < r.len) {
    const tag = r.tag();
    if (tag === EVENT_ATTRIBUTES) {
      const outer = enter(r);
      const found = readKeyValue(r, attributes, eventCache, position, context);
      if ((found & FLAGGED) !== 0) flagged = true;
      if ((found & KEPT) !== 0) position++;
      leave(r, outer);
    } else {
      skipField(r, tag);
    }
  }
  r.pos = end;
  return { attributes, flagged };
}

/**
 * Reads the KeyValue the reader is narrowed to into `into`; says whether its key is `feature_flag.key` (whatever its
 * value, as the receiver's flag filter reads it: {@link FLAGGED}) and whether it was kept ({@link KEPT}). A dropped
 * key (empty, `__proto__`, prompt or completion contents, or not in `only` when given) leaves its value unread.
 */
function readKeyValue(
  r: WireReader,
  into: Attributes,
  cache: ListCache,
  position: number,
  context: Context,
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
    const decoded = decodeKeyValue(buf, start, end, context.keyValue).value;
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
