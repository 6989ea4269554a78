import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import type { IngestSink, OtlpMetricPoint, OtlpSpan } from './ingest-sink.js';
import { InMemoryOtlpIngestCounters } from './otlp-ingest-counters.js';
import { type OtlpRoutesContext, registerOtlpRoutes } from './otlp-routes.js';
import { otlpSchema } from './otlp-schema.js';

const schema = otlpSchema();
const PROTOBUF = { 'content-type': 'application/x-protobuf' };
const JSON_TYPE = { 'content-type': 'application/json' };
const T0 = 1_700_000_000_000_000_000n;

function setup(overrides: Partial<OtlpRoutesContext> = {}) {
  const received = { spans: [] as OtlpSpan[], points: [] as OtlpMetricPoint[] };
  const sink: IngestSink = {
    openSpans: () => {
      const pending: OtlpSpan[] = [];
      return {
        add: (span) => pending.push(span),
        commit: () => {
          received.spans.push(...pending);
        },
      };
    },
    acceptMetricPoints: (points) => {
      received.points.push(...points);
    },
  };
  const counters = new InMemoryOtlpIngestCounters();
  const app = new Hono();
  registerOtlpRoutes(app, { sink, counters, now: () => 0, ...overrides });
  return { app, received, counters };
}

const flag = [{ key: 'feature_flag.key', value: { stringValue: 'support-prompt' } }];

/** A span for `fromObject`: ids as bytes, times as decimal strings. */
function span(name: string, startNs: bigint, endNs: bigint, attributes = flag) {
  return {
    traceId: Buffer.alloc(16, 1),
    spanId: Buffer.alloc(8, 2),
    name,
    startTimeUnixNano: String(startNs),
    endTimeUnixNano: String(endNs),
    attributes,
  };
}

function tracesBody(spans: object[]): Uint8Array {
  const type = schema.exportTraceServiceRequest;
  return type.encode(type.fromObject({ resourceSpans: [{ scopeSpans: [{ spans }] }] })).finish();
}

const threeSpans = [
  span('ok', T0, T0 + 2_000_000n),
  span('no end', T0, 0n),
  span('backwards', T0, T0 - 1n),
  span('no end, no flag', T0, 0n, []),
];

describe('POST /v1/traces', () => {
  it('answers full success in protobuf with an empty ExportTraceServiceResponse', async () => {
    const { app, received } = setup();
    const res = await app.request('/v1/traces', {
      method: 'POST',
      headers: PROTOBUF,
      body: tracesBody([span('ok', T0, T0 + 1_500_000n)]),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    expect((await res.arrayBuffer()).byteLength).toBe(0);
    expect(received.spans.map((s) => [s.name, s.durationMs])).toEqual([['ok', 1.5]]);
  });

  it('reports unusable flag-bearing spans as partial success, never unflagged ones', async () => {
    const { app, received, counters } = setup();
    const res = await app.request('/v1/traces', {
      method: 'POST',
      headers: PROTOBUF,
      body: tracesBody(threeSpans),
    });
    expect(res.status).toBe(200);
    const decoded = schema.exportTraceServiceResponse.toObject(
      schema.exportTraceServiceResponse.decode(new Uint8Array(await res.arrayBuffer())),
      { longs: Number },
    );
    expect(decoded.partialSuccess.rejectedSpans).toBe(2);
    expect(decoded.partialSuccess.errorMessage).toBe('2 span(s) rejected: span without end_time_unix_nano');
    expect(received.spans.map((s) => s.name)).toEqual(['ok']);
    expect([counters.get('spans', 'accepted'), counters.get('spans', 'ignored')]).toEqual([1, 1]);
    expect(counters.get('spans', 'rejected')).toBe(2);
  });

  it('reports partial success in JSON for a JSON request, int64 as a decimal string', async () => {
    const { app } = setup();
    const hex = (s: ReturnType<typeof span>) => ({
      ...s,
      traceId: s.traceId.toString('hex'),
      spanId: s.spanId.toString('hex'),
    });
    const body = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: threeSpans.map(hex) }] }] });
    const res = await app.request('/v1/traces', { method: 'POST', headers: JSON_TYPE, body });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      partialSuccess: {
        rejectedSpans: '2',
        errorMessage: '2 span(s) rejected: span without end_time_unix_nano',
      },
    });
  });

  it('answers a JSON request that is fully used with {}', async () => {
    const { app } = setup();
    const res = await app.request('/v1/traces', { method: 'POST', headers: JSON_TYPE, body: '{}' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
  });

  it.each([
    ['garbage bytes', Uint8Array.from([0x0f, 0xff, 0xff, 0xff])],
    ['a truncated message', tracesBody([span('ok', T0, T0 + 1n)]).subarray(0, 40)],
  ])('answers %s with 400 and a protobuf google.rpc.Status', async (_what, body) => {
    const { app, counters } = setup();
    const res = await app.request('/v1/traces', { method: 'POST', headers: PROTOBUF, body });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    const status = schema.rpcStatus.decode(new Uint8Array(await res.arrayBuffer())) as unknown as {
      code: number;
      message: string;
    };
    expect(status.code).toBe(3);
    expect(status.message).toMatch(/^invalid protobuf ExportTraceServiceRequest/);
    expect(counters.get('spans', 'malformed')).toBe(1);
  });

  it.each([
    ['text that is not JSON', '{"resourceSpans": ['],
    ['JSON that is not an object', '[1, 2]'],
    ['resourceSpans that is not a list', '{"resourceSpans": {"scopeSpans": []}}'],
    [
      'an attribute value of the wrong type',
      JSON.stringify({
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: '01'.repeat(16),
                    spanId: '02'.repeat(8),
                    startTimeUnixNano: '1',
                    endTimeUnixNano: '2',
                    attributes: [{ key: 'feature_flag.key', value: { stringValue: 7 } }],
                  },
                ],
              },
            ],
          },
        ],
      }),
    ],
  ])('answers %s with 400 and a JSON Status', async (_what, body) => {
    const { app } = setup();
    const res = await app.request('/v1/traces', { method: 'POST', headers: JSON_TYPE, body });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ code: 3, message: expect.any(String) });
  });

  it('answers attribute values nested past the decoder depth limit with 400, in either encoding', async () => {
    const { app } = setup();
    let nested: object = { stringValue: 'leaf' };
    for (let i = 0; i < 200; i++) nested = { arrayValue: { values: [nested] } };
    const deep = {
      traceId: '01'.repeat(16),
      spanId: '02'.repeat(8),
      startTimeUnixNano: '1',
      endTimeUnixNano: '2',
    };
    const attributes = [...flag, { key: 'deep', value: nested }];
    const json = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ ...deep, attributes }] }] }] });
    const fromJson = await app.request('/v1/traces', { method: 'POST', headers: JSON_TYPE, body: json });
    expect(fromJson.status).toBe(400);
    expect(((await fromJson.json()) as { message: string }).message).toBe(
      'attributes: nested deeper than 100 levels',
    );
    // fromObject refuses such depth itself, so the bytes are nested by hand: field tag, then length-delimited.
    const field = (n: number, bytes: Uint8Array) =>
      protobuf.Writer.create()
        .uint32((n << 3) | 2)
        .bytes(bytes)
        .finish();
    let any = field(1, new TextEncoder().encode('leaf')); // AnyValue.string_value
    for (let i = 0; i < 200; i++) any = field(5, field(1, any)); // AnyValue.array_value → ArrayValue.values
    const deepAttribute = Buffer.concat([field(1, new TextEncoder().encode('deep')), field(2, any)]);
    const spanType = schema.root.lookupType('opentelemetry.proto.trace.v1.Span');
    const spanBytes = Buffer.concat([
      spanType.encode(spanType.fromObject(span('deep', T0, T0 + 1n))).finish(),
      field(9, deepAttribute), // one more Span.attributes entry
    ]);
    const proto = field(1, field(2, field(2, spanBytes)));
    const fromProto = await app.request('/v1/traces', { method: 'POST', headers: PROTOBUF, body: proto });
    expect(fromProto.status).toBe(400);
    const status = schema.rpcStatus.decode(new Uint8Array(await fromProto.arrayBuffer())) as unknown as {
      message: string;
    };
    expect(status.message).toMatch(/max depth exceeded/);
  });

  it('commits nothing of a protobuf request that turns out malformed after its first spans', async () => {
    const { app, received, counters } = setup();
    const good = tracesBody([span('ok', T0, T0 + 2_000_000n), span('ok too', T0, T0 + 3_000_000n)]);
    // A second resource_spans entry that claims 5 bytes and holds 1: the spans before it were already read.
    const body = Buffer.concat([good, Uint8Array.of(0x0a, 0x05, 0x01)]);
    const res = await app.request('/v1/traces', { method: 'POST', headers: PROTOBUF, body });
    expect(res.status).toBe(400);
    expect(received.spans).toEqual([]);
    expect(counters.get('spans', 'accepted')).toBe(0);
    expect(counters.get('spans', 'malformed')).toBe(1);
  });

  it('answers an unknown content type with 415', async () => {
    const { app } = setup();
    const res = await app.request('/v1/traces', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(res.status).toBe(415);
  });

  it('answers an unknown content encoding with 415', async () => {
    const { app } = setup();
    const headers = { ...PROTOBUF, 'content-encoding': 'br' };
    const res = await app.request('/v1/traces', { method: 'POST', headers, body: 'x' });
    expect(res.status).toBe(415);
  });

  it('accepts a gzip body and answers a body that is not gzip with 400', async () => {
    const { app, received } = setup();
    const headers = { ...PROTOBUF, 'content-encoding': 'gzip' };
    const ok = await app.request('/v1/traces', {
      method: 'POST',
      headers,
      body: gzipSync(tracesBody([span('zipped', T0, T0 + 1n)])),
    });
    expect(ok.status).toBe(200);
    expect(received.spans.map((s) => s.name)).toEqual(['zipped']);
    const bad = await app.request('/v1/traces', { method: 'POST', headers, body: 'not gzip' });
    expect(bad.status).toBe(400);
  });

  it('answers a declared oversize body with 413 without reading it', async () => {
    const { app } = setup({ limits: { maxBodyBytes: 1024 } });
    const res = await app.request('/v1/traces', {
      method: 'POST',
      headers: { ...PROTOBUF, 'content-length': '4096' },
      body: new Uint8Array(4096),
    });
    expect(res.status).toBe(413);
  });

  it('answers a streamed body that runs past the limit with 413', async () => {
    const { app } = setup({ limits: { maxBodyBytes: 1024 } });
    const chunks = [new Uint8Array(800), new Uint8Array(800)];
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const chunk = chunks.shift();
        if (chunk) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await app.request('/v1/traces', {
      method: 'POST',
      headers: PROTOBUF,
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
  });

  it('answers a gzip bomb with 413 instead of inflating it', async () => {
    const { app } = setup();
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    expect(bomb.byteLength).toBeLessThan(128 * 1024);
    const res = await app.request('/v1/traces', {
      method: 'POST',
      headers: { ...PROTOBUF, 'content-encoding': 'gzip' },
      body: bomb,
    });
    expect(res.status).toBe(413);
    const status = schema.rpcStatus.decode(new Uint8Array(await res.arrayBuffer())) as unknown as {
      message: string;
    };
    expect(status.message).toBe(`decompressed body exceeds ${16 * 1024 * 1024} bytes`);
  });

  it('answers 500 without throwing when the sink fails, and reports the failure', async () => {
    const failures: unknown[] = [];
    const failing: IngestSink = {
      openSpans: () => ({
        add: () => {},
        commit: () => {
          throw new Error('disk full');
        },
      }),
      acceptMetricPoints: () => {},
    };
    const { app } = setup({ sink: failing, onInternalError: (e) => failures.push(e) });
    const res = await app.request('/v1/traces', {
      method: 'POST',
      headers: PROTOBUF,
      body: tracesBody([span('ok', T0, T0 + 1n)]),
    });
    expect(res.status).toBe(500);
    expect(failures).toHaveLength(1);
  });

  it('runs the guard before reading anything', async () => {
    const { app, received } = setup({ guard: async (c) => c.body(null, 401) });
    const res = await app.request('/v1/traces', {
      method: 'POST',
      headers: PROTOBUF,
      body: tracesBody(threeSpans),
    });
    expect(res.status).toBe(401);
    expect(received.spans).toEqual([]);
  });
});

describe('POST /v1/metrics', () => {
  const type = schema.exportMetricsServiceRequest;
  const point = (attributes: object[], bucketCounts: number[]) => ({
    attributes,
    startTimeUnixNano: String(T0),
    timeUnixNano: String(T0 + 10_000_000_000n),
    count: bucketCounts.reduce((a, b) => a + b, 0),
    sum: 12,
    bucketCounts,
    explicitBounds: [100, 1000],
  });
  const body = type
    .encode(
      type.fromObject({
        resourceMetrics: [
          {
            scopeMetrics: [
              {
                metrics: [
                  {
                    name: 'duration',
                    histogram: {
                      aggregationTemporality: 1,
                      dataPoints: [point(flag, [1, 2, 3]), point(flag, [1, 2]), point([], [9])],
                    },
                  },
                ],
              },
            ],
          },
        ],
      }),
    )
    .finish();

  it('reports unusable flag-bearing points as partial success with rejectedDataPoints', async () => {
    const { app, received, counters } = setup();
    const res = await app.request('/v1/metrics', { method: 'POST', headers: PROTOBUF, body });
    expect(res.status).toBe(200);
    const response = schema.exportMetricsServiceResponse;
    const decoded = response.toObject(response.decode(new Uint8Array(await res.arrayBuffer())), {
      longs: Number,
    });
    expect(decoded.partialSuccess).toEqual({
      rejectedDataPoints: 1,
      errorMessage:
        '1 data point(s) rejected: histogram data point whose bucket_counts do not match explicit_bounds',
    });
    expect(received.points).toMatchObject([
      { kind: 'histogram', count: 6, bucketCounts: [1, 2, 3], sum: 12 },
    ]);
    expect(counters.get('points', 'ignored')).toBe(1);
  });

  it('answers a malformed metrics body with 400', async () => {
    const { app } = setup();
    const res = await app.request('/v1/metrics', {
      method: 'POST',
      headers: PROTOBUF,
      body: body.subarray(0, 30),
    });
    expect(res.status).toBe(400);
  });
});

describe('POST /v1/traces over a real Node server', () => {
  /** Serves the routes on a free loopback port; `post` sends a body with or without a declared length. */
  async function served(overrides: Partial<OtlpRoutesContext> = {}) {
    const { app, received } = setup(overrides);
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    const post = (chunks: Uint8Array[], declareLength: boolean) =>
      new Promise<number>((resolve, reject) => {
        const length = chunks.reduce((n, c) => n + c.byteLength, 0);
        const req = httpRequest({
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/v1/traces',
          headers: { ...PROTOBUF, ...(declareLength ? { 'content-length': String(length) } : {}) },
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        // The server may answer 413 and close before the whole body is sent.
        req.on('error', (error) =>
          (error as NodeJS.ErrnoException).code === 'EPIPE' ? undefined : reject(error),
        );
        for (const chunk of chunks) req.write(chunk);
        req.end();
      });
    const close = () => new Promise((resolve) => server.close(resolve));
    return { received, post, close };
  }

  it('reads a body with a declared length, and one sent in chunks without it, to the same spans', async () => {
    const { received, post, close } = await served();
    try {
      const body = tracesBody([span('ok', T0, T0 + 2_000_000n)]);
      expect(await post([body], true)).toBe(200);
      expect(await post([body.subarray(0, 10), body.subarray(10)], false)).toBe(200);
      expect(received.spans.map((s) => s.name)).toEqual(['ok', 'ok']);
    } finally {
      await close();
    }
  });

  it('answers a chunked body that runs past the limit with 413, having kept none of it', async () => {
    const { received, post, close } = await served({ limits: { maxBodyBytes: 1024 } });
    try {
      expect(await post([new Uint8Array(800), new Uint8Array(800)], false)).toBe(413);
      expect(received.spans).toEqual([]);
    } finally {
      await close();
    }
  });
});
