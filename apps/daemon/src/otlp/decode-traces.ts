import type { Type } from 'protobufjs';
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
  /** Spans that carry a flag (attribute or `feature_flag.evaluation` event) and are usable. */
  spans: OtlpSpan[];
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
 * Decodes an OTLP `ExportTraceServiceRequest` and keeps only flag-bearing spans, flattened.
 *
 * @throws OtlpDecodeError when the body is not a valid message in the given encoding.
 * @example
 * const { spans, ignored } = decodeTraces(body, 'protobuf');
 */
export function decodeTraces(body: Uint8Array, encoding: OtlpEncoding): DecodedTraces {
  return encoding === 'protobuf' ? decodeProtobufTraces(body) : walkTraces(parseJson(body));
}

/** A fresh, empty result. */
function emptyTraces(): DecodedTraces {
  return { spans: [], ignored: 0, rejected: 0, rejectReason: undefined };
}

/**
 * The protobuf path: the request is read shallowly (spans left as bytes) and each span is decoded, checked and
 * flattened before the next is read, so a request's thousand spans are never all alive as objects at once.
 */
function decodeProtobufTraces(body: Uint8Array): DecodedTraces {
  const schema = otlpSchema();
  const request = decodeProtobuf(
    asBuffer(body),
    schema.exportTraceServiceRequestShallow,
  ) as ShallowTraceRequest;
  const out = emptyTraces();
  for (const resourceSpans of request.resourceSpans) {
    const resourceAttributes = resourceSpans.resource?.attributes ?? [];
    let identity: Attributes | undefined;
    for (const scopeSpans of resourceSpans.scopeSpans) {
      for (const bytes of scopeSpans.spans) {
        const span = decodeProtobuf(bytes, schema.span) as WireSpan;
        identity = acceptSpan(span, out, identity, resourceAttributes);
      }
    }
  }
  return out;
}

/** The OTLP/JSON path: the whole request is one parsed object, walked with the same checks per span. */
function walkTraces(request: WireTraceRequest): DecodedTraces {
  const out = emptyTraces();
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
        identity = acceptSpan(spans[i], out, identity, resourceAttributes);
      }
    }
  }
  return out;
}

/**
 * Adds one span to `out`: ignored without a flag, rejected when unusable, otherwise flattened. Returns the
 * resource's identity record, built on the resource's first flag-bearing span only (most resources hold none).
 */
function acceptSpan(
  span: WireSpan | null | undefined,
  out: DecodedTraces,
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
    out.spans.push(decoded);
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

/** The shallow request of {@link decodeProtobufTraces}: every repeated field is present (protobufjs fills them). */
interface ShallowTraceRequest {
  resourceSpans: Array<{
    resource?: { attributes?: WireKeyValue[] } | null;
    scopeSpans: Array<{ spans: Uint8Array[] }>;
  }>;
}

function decodeProtobuf(body: Uint8Array, type: Type): unknown {
  try {
    // The generated decoder yields objects with exactly the fields of the schema; see otlp-wire-types.ts.
    return type.decode(body);
  } catch (error) {
    // Every span is read inside the request, so a malformed span is a malformed request.
    throw new OtlpDecodeError(`invalid protobuf ExportTraceServiceRequest: ${(error as Error).message}`);
  }
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
