import type { Context, Env, Hono, MiddlewareHandler } from 'hono';
import { storageFailureOf } from '../http/storage-failure.js';
import { CumulativeToDelta } from './cumulative-to-delta.js';
import { decodeMetrics } from './decode-metrics.js';
import { decodeTraces, type OtlpEncoding } from './decode-traces.js';
import type { IngestSink } from './ingest-sink.js';
import type { OtlpIngestCounters, OtlpSignal } from './otlp-ingest-counters.js';
import { otlpSchema } from './otlp-schema.js';
import { defaultOtlpBodyLimits, type OtlpBodyLimits, readOtlpBody } from './read-otlp-body.js';
import { OtlpDecodeError } from './wire-values.js';

/** What the OTLP routes need from the daemon. */
export interface OtlpRoutesContext {
  /** Receives every flag-bearing span and metric point. */
  sink: IngestSink;
  /** Counts accepted, ignored and rejected items; nothing is counted when absent. */
  counters?: OtlpIngestCounters;
  /** Body size limits; each defaults to {@link defaultOtlpBodyLimits}. */
  limits?: Partial<OtlpBodyLimits>;
  /** The clock, epoch ms: marks when cumulative series began being watched. */
  now: () => number;
  /** Most cumulative metric series remembered for delta conversion (default 50,000). */
  maxCumulativeSeries?: number;
  /**
   * Middleware run before each route, e.g. `requireScope(auth, 'ingest')` when the app does not already guard
   * `/v1/*` centrally.
   */
  guard?: MiddlewareHandler;
  /** Told about failures that are the daemon's fault (a throwing sink); the client gets a 500. */
  onInternalError?: (error: unknown) => void;
}

/** google.rpc.Code values used in error bodies. */
const RPC_CODE = { 400: 3, 413: 8, 415: 3, 500: 13, 503: 14 } as const;

type ErrorStatus = keyof typeof RPC_CODE;

const MEDIA_TYPES: Readonly<Record<string, OtlpEncoding>> = {
  'application/x-protobuf': 'protobuf',
  'application/protobuf': 'protobuf',
  'application/json': 'json',
};

/**
 * Registers the OTLP/HTTP receiver: `POST /v1/traces` and `POST /v1/metrics`, protobuf or JSON, gzip or not.
 * Answers in the request's encoding: an empty response on full success, `partial_success` when some flag-bearing
 * items were unusable, a `google.rpc.Status` with 400 (malformed), 413 (too large) or 415 (unknown type).
 *
 * @example
 * registerOtlpRoutes(app, { sink: analyzer, counters, now: () => clock.now() });
 */
export function registerOtlpRoutes<E extends Env>(app: Hono<E>, ctx: OtlpRoutesContext): void {
  const limits: OtlpBodyLimits = { ...defaultOtlpBodyLimits, ...ctx.limits };
  const deltas = new CumulativeToDelta({ startedAtMs: ctx.now(), maxSeries: ctx.maxCumulativeSeries });
  const counters = ctx.counters;
  const guard: MiddlewareHandler = ctx.guard ?? (async (_c, next) => next());

  const handle = async (c: Context, signal: OtlpSignal): Promise<Response> => {
    const mediaType = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const encoding = MEDIA_TYPES[mediaType];
    if (encoding === undefined) {
      const message = `unsupported Content-Type "${mediaType}" (use application/x-protobuf or application/json)`;
      return errorResponse(c, 'json', 415, message);
    }
    const read = await readOtlpBody(c.req.raw, limits);
    if (!read.ok) return errorResponse(c, encoding, read.status, read.message);

    let accepted: number;
    let rejected: number;
    let reason: string | undefined;
    try {
      if (signal === 'spans') {
        // Spans go to the sink as they are decoded; a request that turns out malformed halfway is never committed.
        const writer = ctx.sink.openSpans();
        const traces = decodeTraces(read.body, encoding, (span) => writer.add(span));
        counters?.add('spans', 'ignored', traces.ignored);
        if (traces.accepted > 0) await writer.commit();
        accepted = traces.accepted;
        rejected = traces.rejected;
        reason = traces.rejectReason;
      } else {
        const metrics = decodeMetrics(read.body, encoding);
        counters?.add('points', 'ignored', metrics.ignored);
        const points = deltas.toDeltas(metrics.points);
        if (points.length > 0) await ctx.sink.acceptMetricPoints(points);
        accepted = metrics.points.length;
        rejected = metrics.rejected;
        reason = metrics.rejectReason;
      }
    } catch (error) {
      if (error instanceof OtlpDecodeError || isDecodeFault(error)) {
        counters?.add(signal, 'malformed', 1);
        return errorResponse(c, encoding, 400, (error as Error).message);
      }
      ctx.onInternalError?.(error);
      const failure = storageFailureOf(error);
      if (failure !== undefined) {
        // Retryable for an OTLP exporter (503); the group commit rolled back, so nothing of the batch was kept.
        c.header('retry-after', '1');
        return errorResponse(c, encoding, 503, `database ${failure}: nothing was written, retry`);
      }
      return errorResponse(c, encoding, 500, 'internal error while ingesting telemetry');
    }
    counters?.add(signal, 'accepted', accepted);
    counters?.add(signal, 'rejected', rejected);
    return successResponse(c, encoding, signal, rejected, reason);
  };

  app.post('/v1/traces', guard, (c) => handle(c, 'spans'));
  app.post('/v1/metrics', guard, (c) => handle(c, 'points'));
}

/**
 * Errors a decoder can raise on hostile input that our own checks did not name (protobufjs throws plain
 * `Error`/`RangeError`; a JSON body of the wrong shape can surface as a `TypeError`). None of them is the
 * daemon's fault, so they are answered with 400 rather than 500.
 */
function isDecodeFault(error: unknown): boolean {
  return error instanceof TypeError || error instanceof RangeError || error instanceof SyntaxError;
}

function successResponse(
  c: Context,
  encoding: OtlpEncoding,
  signal: OtlpSignal,
  rejected: number,
  reason: string | undefined,
): Response {
  const partialSuccess =
    rejected === 0
      ? undefined
      : signal === 'spans'
        ? { rejectedSpans: rejected, errorMessage: `${rejected} span(s) rejected: ${reason}` }
        : { rejectedDataPoints: rejected, errorMessage: `${rejected} data point(s) rejected: ${reason}` };
  if (encoding === 'json') {
    // Proto3 JSON writes int64 as a decimal string.
    const body =
      partialSuccess === undefined
        ? {}
        : {
            partialSuccess: Object.fromEntries(
              Object.entries(partialSuccess).map(([k, v]) => [k, typeof v === 'number' ? String(v) : v]),
            ),
          };
    return c.json(body, 200);
  }
  const schema = otlpSchema();
  const type = signal === 'spans' ? schema.exportTraceServiceResponse : schema.exportMetricsServiceResponse;
  const bytes = type.encode(type.create(partialSuccess === undefined ? {} : { partialSuccess })).finish();
  return protobufResponse(c, bytes, 200);
}

function errorResponse(c: Context, encoding: OtlpEncoding, status: ErrorStatus, message: string): Response {
  const status_ = { code: RPC_CODE[status], message };
  if (encoding === 'json') return c.json(status_, status);
  const schema = otlpSchema();
  return protobufResponse(c, schema.rpcStatus.encode(schema.rpcStatus.create(status_)).finish(), status);
}

function protobufResponse(c: Context, bytes: Uint8Array, status: 200 | ErrorStatus): Response {
  c.header('Content-Type', 'application/x-protobuf');
  // A copy into a plain ArrayBuffer-backed view: Response bodies need one, protobufjs may hand out a pool slice.
  return c.body(new Uint8Array(bytes), status);
}
