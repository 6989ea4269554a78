import protobuf, { type Type } from 'protobufjs';
import { copyAttributes, FLAG_EVALUATION_EVENT, MAX_CACHED_KEYS } from './flatten-attributes.js';
import type { Attributes, OtlpSpan } from './ingest-sink.js';
import {
  eventCache,
  FLAGGED,
  KEPT,
  KEY_VALUE_FIELDS,
  readKeyValue,
  spanCache,
  uncached,
} from './project-key-values.js';
import {
  enter,
  I64,
  LEN,
  leave,
  skipBytes,
  skipField,
  tagOf,
  VARINT,
  type WireReader,
} from './wire-reading.js';
import { OtlpDecodeError } from './wire-values.js';

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
  ...KEY_VALUE_FIELDS,
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
      readKeyValue(r, identity, uncached, MAX_CACHED_KEYS, context.keyValue, context.identityKeys);
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
        const found = readKeyValue(r, attributes, spanCache, position, context.keyValue);
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
      const found = readKeyValue(r, attributes, eventCache, position, context.keyValue);
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
