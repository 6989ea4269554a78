import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analysisCount, PACK, startRollout } from '../ingest/testing/live-rollout.js';
import { flagAttributes, otlpTraces } from '../ingest/testing/otlp-json.js';
import { otlpSchema } from '../otlp/otlp-schema.js';
import { createTestDaemon } from '../testing/test-daemon.js';
import {
  expectHandled,
  fuzzRuns,
  fuzzTimeout,
  MAX_HEAP_AFTER_FUZZ,
  StatusTally,
} from './testing/bad-input-oracle.js';

const RUNS = fuzzRuns();
/** The expensive cases (megabytes each) run a tenth as often. */
const HEAVY_RUNS = Math.max(10, Math.ceil(RUNS / 10));
const d = createTestDaemon();
const tally = new StatusTally();
const SIGNALS = ['/v1/traces', '/v1/metrics'] as const;
const PROTOBUF = { 'content-type': 'application/x-protobuf' };

function tracesJson(attributeValue = 'x') {
  const now = d.clock.now();
  return otlpTraces([
    {
      endMs: now,
      durationMs: 1200,
      attributes: { ...flagAttributes(PACK, '2.4.0'), 'gen_ai.request.model': attributeValue },
    },
    { endMs: now, durationMs: 800, error: true, attributes: flagAttributes(PACK, '2.3.1') },
  ]);
}

/** The OTLP/JSON request as protobufjs wants it: ids as bytes. */
function toProtobufObject(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toProtobufObject);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) =>
      (k === 'traceId' || k === 'spanId' || k === 'parentSpanId') && typeof v === 'string'
        ? [k, Buffer.from(v, 'hex')]
        : [k, toProtobufObject(v)],
    ),
  );
}

function tracesProtobuf(attributeValue = 'x'): Uint8Array {
  const type = otlpSchema().exportTraceServiceRequest;
  return type.encode(type.fromObject(toProtobufObject(tracesJson(attributeValue)) as object)).finish();
}

function metricsProtobuf(): Uint8Array {
  const type = otlpSchema().exportMetricsServiceRequest;
  const now = BigInt(d.clock.now()) * 1_000_000n;
  const attributes = Object.entries(flagAttributes(PACK, '2.4.0')).map(([key, v]) => ({
    key,
    value: { stringValue: v },
  }));
  const point = {
    asInt: '42',
    startTimeUnixNano: String(now - 1_000_000_000n),
    timeUnixNano: String(now),
    attributes,
  };
  const metric = {
    name: 'gen_ai.client.token.usage',
    sum: { dataPoints: [point], aggregationTemporality: 1, isMonotonic: true },
  };
  return type
    .encode(type.fromObject({ resourceMetrics: [{ scopeMetrics: [{ metrics: [metric] }] }] }))
    .finish();
}

let realMessages: Record<(typeof SIGNALS)[number], Uint8Array>;
let bomb: Buffer;
beforeAll(async () => {
  await startRollout(d);
  realMessages = { '/v1/traces': tracesProtobuf(), '/v1/metrics': metricsProtobuf() };
  bomb = gzipSync(Buffer.alloc(24 * 1024 * 1024));
  // The messages mutated below are real: whole, each is accepted and counted.
  for (const path of SIGNALS) {
    const res = await d.request(path, {
      method: 'POST',
      as: 'ingest',
      body: new Uint8Array(realMessages[path]),
      headers: PROTOBUF,
    });
    expect(res.status).toBe(200);
  }
  expect(await analysisCount(d, 'span', 'accepted')).toBeGreaterThan(0);
});
afterAll(async () => {
  console.log(
    `OTLP bad input (${RUNS} runs per property, ${HEAVY_RUNS} for the heavy ones)\n${tally.summary()}`,
  );
  await d.close();
});

async function send(path: string, body: Uint8Array | string, headers: Record<string, string>, label: string) {
  const res = await d.request(path, {
    method: 'POST',
    as: 'ingest',
    body: typeof body === 'string' ? body : new Uint8Array(body),
    headers,
  });
  tally.add(path, res.status);
  await expectHandled(res, 'otlp', label);
}

const signal = fc.constantFrom(...SIGNALS);
const JSON_TYPE = { 'content-type': 'application/json' };

describe('OTLP ingest: hostile input gets a 4xx Status or is accepted, never a 5xx', () => {
  it(
    'random bytes as protobuf, plain or claimed gzip',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          signal,
          fc.uint8Array({ maxLength: 2048 }),
          fc.boolean(),
          async (path, bytes, gz) => {
            const headers = gz ? { ...PROTOBUF, 'content-encoding': 'gzip' } : PROTOBUF;
            await send(path, bytes, headers, `${path} ${bytes.length} random bytes gzip=${gz}`);
          },
        ),
        { numRuns: RUNS },
      );
    },
    fuzzTimeout(RUNS),
  );

  it(
    'real messages truncated or with bytes flipped',
    async () => {
      const edit = fc.record({
        cut: fc.nat(),
        flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 8 }),
        gz: fc.boolean(),
      });
      await fc.assert(
        fc.asyncProperty(signal, edit, async (path, { cut, flips, gz }) => {
          const real = realMessages[path];
          const bytes = Uint8Array.from(real.subarray(0, cut % (real.length + 1)));
          for (const [at, xor] of flips) {
            const i = at % Math.max(1, bytes.length);
            if (i < bytes.length) bytes[i] = (bytes[i] ?? 0) ^ xor;
          }
          const body = gz ? gzipSync(bytes) : bytes;
          await send(
            path,
            body,
            gz ? { ...PROTOBUF, 'content-encoding': 'gzip' } : PROTOBUF,
            `${path} cut ${cut} flips ${flips.length}`,
          );
        }),
        { numRuns: RUNS },
      );
    },
    fuzzTimeout(RUNS),
  );

  it(
    'JSON of any shape, and the real JSON message with one node replaced',
    async () => {
      const replaced = fc.tuple(fc.nat(), fc.jsonValue({ maxDepth: 4 })).map(([pick, value]) => {
        const text = JSON.stringify(tracesJson());
        // Replace the n-th JSON value token (a string, number or literal) by the generated value.
        const tokens = [
          ...text.matchAll(/"(?:[^"\\]|\\.)*"(?!:)|-?\d+(?:\.\d+)?(?:e[+-]?\d+)?|true|false|null/g),
        ];
        const token = tokens[pick % tokens.length];
        if (token?.index === undefined) return text;
        return text.slice(0, token.index) + JSON.stringify(value) + text.slice(token.index + token[0].length);
      });
      const body = fc.oneof(
        fc.jsonValue({ maxDepth: 8 }).map((v) => JSON.stringify(v)),
        replaced,
        fc.string({ maxLength: 200 }),
      );
      await fc.assert(
        fc.asyncProperty(signal, body, async (path, text) => {
          await send(path, text, JSON_TYPE, `${path} ${text.slice(0, 200)}`);
        }),
        { numRuns: RUNS },
      );
    },
    fuzzTimeout(RUNS),
  );

  it(
    'wrong content types and content encodings',
    async () => {
      const type = fc.oneof(
        fc.constantFrom(
          '',
          'text/plain',
          'application/grpc',
          'application/x-protobuf; charset=utf-8',
          'APPLICATION/JSON',
          'application/protobuf',
        ),
        fc.string({ maxLength: 40 }),
      );
      const encoding = fc.constantFrom(
        undefined,
        'gzip',
        'br',
        'deflate',
        'identity',
        'gzip, gzip',
        'x-gzip',
      );
      await fc.assert(
        fc.asyncProperty(
          signal,
          type,
          encoding,
          fc.boolean(),
          async (path, contentType, contentEncoding, json) => {
            const headers: Record<string, string> = { 'content-type': contentType };
            if (contentEncoding !== undefined) headers['content-encoding'] = contentEncoding;
            const body = json ? JSON.stringify(tracesJson()) : realMessages[path];
            await send(path, body, headers, `${path} ${contentType} ${contentEncoding}`);
          },
        ),
        { numRuns: RUNS },
      );
    },
    fuzzTimeout(RUNS),
  );

  it(
    'gzip bombs and enormous attribute values',
    async () => {
      const heavy = fc.oneof(
        fc.constant({ kind: 'bomb' as const, size: 0 }),
        fc.integer({ min: 64 * 1024, max: 3 * 1024 * 1024 }).map((size) => ({ kind: 'json' as const, size })),
        fc
          .integer({ min: 64 * 1024, max: 3 * 1024 * 1024 })
          .map((size) => ({ kind: 'protobuf' as const, size })),
      );
      await fc.assert(
        fc.asyncProperty(heavy, async ({ kind, size }) => {
          if (kind === 'bomb') {
            await send('/v1/traces', bomb, { ...PROTOBUF, 'content-encoding': 'gzip' }, 'gzip bomb');
          } else if (kind === 'json') {
            await send(
              '/v1/traces',
              JSON.stringify(tracesJson('v'.repeat(size))),
              JSON_TYPE,
              `json attribute ${size}`,
            );
          } else {
            await send(
              '/v1/traces',
              tracesProtobuf('v'.repeat(size)),
              PROTOBUF,
              `protobuf attribute ${size}`,
            );
          }
        }),
        { numRuns: HEAVY_RUNS },
      );
    },
    fuzzTimeout(RUNS),
  );

  it('leaves the heap bounded and answered no 5xx at all', () => {
    expect(tally.serverErrors).toBe(0);
    expect(process.memoryUsage().heapUsed).toBeLessThan(MAX_HEAP_AFTER_FUZZ);
  });
});
