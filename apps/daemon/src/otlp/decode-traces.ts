import {
  copyAttributes,
  FLAG_EVALUATION_EVENT,
  flattenAttributes,
  hasFlagKey,
  newKeyCache,
} from './flatten-attributes.js';
import type { Attributes, OtlpSpan } from './ingest-sink.js';
import { otlpSchema } from './otlp-schema.js';
import type { WireEvent, WireKeyValue, WireSpan, WireTraceRequest } from './otlp-wire-types.js';
import { projectProtobufTraces } from './project-protobuf-traces.js';
import {
  asBuffer,
  enumValue,
  idToHex,
  list,
  nanosBetween,
  nanosToMs,
  OtlpDecodeError,
  object,
  SPAN_KINDS,
  STATUS_CODES,
  text,
} from './wire-values.js';

/** How an OTLP/HTTP body is encoded. */
export type OtlpEncoding = 'protobuf' | 'json';

/** What one `ExportTraceServiceRequest` held. */
export interface DecodedTraces {
  /**
   * Spans that carry a flag (attribute or `feature_flag.evaluation` event) and are usable; empty when they were
   * handed to a callback instead.
   */
  spans: OtlpSpan[];
  /** How many usable flag-bearing spans there were. */
  accepted: number;
  /** Spans without any flag: accepted, counted, dropped. */
  ignored: number;
  /** Flag-bearing spans that cannot be used (bad ids, no end time, negative duration). */
  rejected: number;
  /** Why the first rejected span was rejected, for the partial-success message. */
  rejectReason: string | undefined;
}

/**
 * Resource attributes that identify where a span comes from and are worth keeping on it; the rest of the
 * resource (host, process, SDK details) is not read by the analysis.
 */
export const RESOURCE_IDENTITY_KEYS: readonly string[] = [
  'service.name',
  'service.namespace',
  'service.version',
  // Which app instance served the request: rollback drills and served-versus-assigned checks count per instance.
  'service.instance.id',
  'deployment.environment.name',
  'deployment.environment',
];

const STATUS_ERROR = 2;
/** Key caches for span and flag-event attribute lists, whose keys differ; see `KeyCache`. */
const spanKeys = newKeyCache();
const eventKeys = newKeyCache();
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes an OTLP `ExportTraceServiceRequest` and keeps only flag-bearing spans, flattened. With `each`, every
 * usable span is handed to it as soon as it is read (and `spans` stays empty), so the receiver can aggregate a
 * request without holding all of its span records at once; a decode error may then come after some spans.
 *
 * @throws OtlpDecodeError when the body is not a valid message in the given encoding.
 * @example
 * const { spans, ignored } = decodeTraces(body, 'protobuf');
 * decodeTraces(body, 'protobuf', (span) => writer.add(span));
 */
export function decodeTraces(
  body: Uint8Array,
  encoding: OtlpEncoding,
  each?: (span: OtlpSpan) => void,
): DecodedTraces {
  const out: DecodedTraces = { spans: [], accepted: 0, ignored: 0, rejected: 0, rejectReason: undefined };
  const sink = each ?? ((span: OtlpSpan) => out.spans.push(span));
  if (encoding === 'protobuf') {
    projectProtobufTraces(asBuffer(body), out, sink, RESOURCE_IDENTITY_KEYS, otlpSchema().keyValue);
  } else {
    walkTraces(parseJson(body), out, sink);
  }
  return out;
}

/**
 * The same as {@link decodeTraces} over a request already decoded into objects: OTLP/JSON parsed, or protobufjs's
 * own decode (ids as bytes, 64-bit values as `Long`), which tests use to check the protobuf projection against.
 */
export function decodeTraceObjects(request: WireTraceRequest): DecodedTraces {
  const out: DecodedTraces = { spans: [], accepted: 0, ignored: 0, rejected: 0, rejectReason: undefined };
  walkTraces(request, out, (span) => out.spans.push(span));
  return out;
}

/** The OTLP/JSON path: the whole request is one parsed object, walked with the same checks per span. */
function walkTraces(request: WireTraceRequest, out: DecodedTraces, each: (span: OtlpSpan) => void): void {
  for (const resourceSpans of list(request.resourceSpans, 'resourceSpans')) {
    if (resourceSpans === null || typeof resourceSpans !== 'object') {
      throw new OtlpDecodeError('resourceSpans: expected objects');
    }
    let identity: Attributes | undefined;
    const resourceAttributes = list(
      object(resourceSpans.resource, 'resource')?.attributes,
      'resource.attributes',
    );
    for (const scopeSpans of list(resourceSpans.scopeSpans, 'scopeSpans')) {
      if (scopeSpans === null || typeof scopeSpans !== 'object') {
        throw new OtlpDecodeError('scopeSpans: expected objects');
      }
      const spans = list(scopeSpans.spans, 'spans');
      for (let i = 0; i < spans.length; i++) {
        identity = acceptSpan(spans[i], out, each, identity, resourceAttributes);
      }
    }
  }
}

/**
 * Adds one span to `out`: ignored without a flag, rejected when unusable, otherwise flattened. Returns the
 * resource's identity record, built on the resource's first flag-bearing span only (most resources hold none).
 */
function acceptSpan(
  span: WireSpan | null | undefined,
  out: DecodedTraces,
  each: (span: OtlpSpan) => void,
  identity: Attributes | undefined,
  resourceAttributes: readonly WireKeyValue[],
): Attributes | undefined {
  if (span === null || typeof span !== 'object') throw new OtlpDecodeError('spans: expected objects');
  const attributes = list(span.attributes, 'span.attributes');
  const events = list(span.events, 'span.events');
  if (!hasFlagKey(attributes) && !hasFlagEvent(events)) {
    out.ignored++;
    return identity;
  }
  const resource = identity ?? resourceIdentity(resourceAttributes);
  const decoded = toSpan(span, attributes, events, resource);
  if (typeof decoded === 'string') {
    out.rejected++;
    out.rejectReason ??= decoded;
  } else {
    out.accepted++;
    each(decoded);
  }
  return resource;
}

function hasFlagEvent(events: readonly WireEvent[]): boolean {
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    if (event?.name === FLAG_EVALUATION_EVENT && hasFlagKey(list(event.attributes, 'event.attributes'))) {
      return true;
    }
  }
  return false;
}

/** The `service.*` / deployment attributes of a resource, as a record to copy onto its spans. */
export function resourceIdentity(attributes: readonly WireKeyValue[]): Attributes {
  const identity: Attributes = {};
  const wanted = attributes.filter((kv) => kv !== null && RESOURCE_IDENTITY_KEYS.includes(kv.key ?? ''));
  return wanted.length === 0 ? identity : flattenAttributes(wanted, identity);
}

/** A usable span, or the reason it is not. */
function toSpan(
  span: WireSpan,
  attributes: readonly WireKeyValue[],
  events: readonly WireEvent[],
  identity: Attributes,
): OtlpSpan | string {
  const traceId = idToHex(span.traceId, 16);
  if (traceId === undefined) return 'span with an invalid trace_id';
  const spanId = idToHex(span.spanId, 8);
  if (spanId === undefined) return 'span with an invalid span_id';
  const parentSpanId = idToHex(span.parentSpanId, 0);
  if (parentSpanId === undefined) return 'span with an invalid parent_span_id';
  const startMs = nanosToMs(span.startTimeUnixNano, 'span.startTimeUnixNano');
  const endMs = nanosToMs(span.endTimeUnixNano, 'span.endTimeUnixNano');
  if (startMs === 0) return 'span without start_time_unix_nano';
  if (endMs === 0) return 'span without end_time_unix_nano';
  const durationNs = nanosBetween(span.startTimeUnixNano, span.endTimeUnixNano);
  if (durationNs < 0) return 'span with end_time_unix_nano before start_time_unix_nano';
  const status = object(span.status, 'span.status');
  const flagEvaluations: Attributes[] = [];
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    if (event?.name === FLAG_EVALUATION_EVENT) {
      flagEvaluations.push(
        flattenAttributes(list(event.attributes, 'event.attributes'), {}, '', 0, eventKeys),
      );
    }
  }
  return {
    traceId,
    spanId,
    parentSpanId,
    name: text(span.name, 'span.name'),
    kind: enumValue(span.kind, SPAN_KINDS, 'span.kind'),
    startMs,
    endMs,
    durationMs: durationNs / 1e6,
    error: status !== undefined && enumValue(status.code, STATUS_CODES, 'span.status.code') === STATUS_ERROR,
    attributes: flattenAttributes(attributes, copyAttributes(identity), '', 0, spanKeys),
    flagEvaluations,
  };
}

/** Parses an OTLP/JSON body into the same shape the protobuf decoder yields. */
export function parseJsonBody(body: Uint8Array, message: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(body));
  } catch (error) {
    throw new OtlpDecodeError(`invalid JSON ${message}: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new OtlpDecodeError(`invalid JSON ${message}: expected an object`);
  }
  return value;
}

function parseJson(body: Uint8Array): WireTraceRequest {
  return parseJsonBody(body, 'ExportTraceServiceRequest') as WireTraceRequest;
}
