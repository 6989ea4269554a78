import { describe, expect, it } from 'vitest';
import { decodeTraces } from './decode-traces.js';
import { flattenAttributes, isContentAttribute, newKeyCache } from './flatten-attributes.js';
import { otlpSchema } from './otlp-schema.js';

const encoder = new TextEncoder();
const json = (value: unknown) => encoder.encode(JSON.stringify(value));
const flagKey = { key: 'feature_flag.key', value: { stringValue: 'support-prompt' } };

function request(spans: object[], resourceAttributes: object[] = []) {
  return { resourceSpans: [{ resource: { attributes: resourceAttributes }, scopeSpans: [{ spans }] }] };
}

const base = {
  traceId: '5B8EFFF798038103D269B633813FC60C',
  spanId: 'EEE19B7EC3C1B174',
  parentSpanId: 'EEE19B7EC3C1B173',
  name: 'chat',
  startTimeUnixNano: '1700000000000000000',
  endTimeUnixNano: 1_700_000_000_250_000_000,
};

describe('decodeTraces with OTLP/JSON', () => {
  it('reads hex ids, int64 as strings or numbers, and enum values as numbers or names', () => {
    const spans = [
      { ...base, kind: 'SPAN_KIND_SERVER', status: { code: 'STATUS_CODE_ERROR' }, attributes: [flagKey] },
      { ...base, kind: 3, status: { code: 1 }, attributes: [flagKey] },
    ];
    const { spans: out } = decodeTraces(json(request(spans)), 'json');
    expect(out).toMatchObject([
      {
        traceId: '5b8efff798038103d269b633813fc60c',
        spanId: 'eee19b7ec3c1b174',
        parentSpanId: 'eee19b7ec3c1b173',
        kind: 2,
        error: true,
        startMs: 1_700_000_000_000,
      },
      { kind: 3, error: false },
    ]);
    // A JSON number this large is itself rounded (to 256 ns), so the duration is exact only to a microsecond.
    expect(out[0]?.durationMs).toBeCloseTo(250, 3);
  });

  it('rejects a span whose ids are not hex of the right length (e.g. base64)', () => {
    const spans = [{ ...base, traceId: 'W47/95gDgQPSabYzgT/GDA==', attributes: [flagKey] }];
    expect(decodeTraces(json(request(spans)), 'json')).toMatchObject({
      spans: [],
      rejected: 1,
      rejectReason: 'span with an invalid trace_id',
    });
  });

  it('flattens every AnyValue arm: ints, doubles, bools, arrays, key/value lists, bytes', () => {
    const attributes = [
      flagKey,
      { key: 'i', value: { intValue: '9007199254740991' } },
      { key: 'd', value: { doubleValue: 0.25 } },
      { key: 'nan', value: { doubleValue: 'NaN' } },
      { key: 'b', value: { boolValue: false } },
      { key: 'arr', value: { arrayValue: { values: [{ stringValue: 'x' }, { intValue: 2 }] } } },
      { key: 'kv', value: { kvlistValue: { values: [{ key: 'inner', value: { stringValue: 'y' } }] } } },
      { key: 'raw', value: { bytesValue: 'AQI=' } },
      { key: 'empty', value: {} },
    ];
    const [span] = decodeTraces(json(request([{ ...base, attributes }])), 'json').spans;
    expect(span?.attributes).toEqual({
      'feature_flag.key': 'support-prompt',
      i: 9007199254740991,
      d: 0.25,
      nan: Number.NaN,
      b: false,
      arr: '["x",2]',
      'kv.inner': 'y',
      raw: 'AQI=',
    });
  });

  it('drops prompt and completion contents from span and flag-event attributes', () => {
    const contents = [
      { key: 'gen_ai.prompt', value: { stringValue: 'secret' } },
      { key: 'gen_ai.prompt.0.content', value: { stringValue: 'secret' } },
      { key: 'gen_ai.completion.0.content', value: { stringValue: 'secret' } },
      { key: 'gen_ai.input.messages', value: { stringValue: 'secret' } },
      { key: 'gen_ai.output.messages', value: { stringValue: 'secret' } },
      { key: 'gen_ai.usage.input_tokens', value: { intValue: 12 } },
    ];
    const event = { name: 'feature_flag.evaluation', attributes: [flagKey, ...contents] };
    const [span] = decodeTraces(
      json(request([{ ...base, attributes: contents, events: [event] }])),
      'json',
    ).spans;
    expect(JSON.stringify(span)).not.toContain('secret');
    expect(span?.attributes).toEqual({ 'gen_ai.usage.input_tokens': 12 });
    expect(span?.flagEvaluations).toEqual([
      { 'feature_flag.key': 'support-prompt', 'gen_ai.usage.input_tokens': 12 },
    ]);
  });

  it('counts spans without a flag key as ignored, even unusable ones, and never rejects them', () => {
    const spans = [
      { ...base, attributes: [{ key: 'feature_flag.result.variant', value: { stringValue: 'canary' } }] },
      { ...base, endTimeUnixNano: '0', events: [{ name: 'feature_flag.evaluation', attributes: [] }] },
      { ...base, events: [{ name: 'other', attributes: [flagKey] }] },
    ];
    expect(decodeTraces(json(request(spans)), 'json')).toMatchObject({ spans: [], ignored: 3, rejected: 0 });
  });

  it('keeps the resource service identity but not the rest of the resource', () => {
    const resource = [
      { key: 'service.name', value: { stringValue: 'bot' } },
      { key: 'service.version', value: { stringValue: '1.2.3' } },
      { key: 'host.name', value: { stringValue: 'h1' } },
    ];
    const [span] = decodeTraces(json(request([{ ...base, attributes: [flagKey] }], resource)), 'json').spans;
    expect(span?.attributes).toEqual({
      'service.name': 'bot',
      'service.version': '1.2.3',
      'feature_flag.key': 'support-prompt',
    });
  });

  it('reads only lowerCamelCase keys, as OTLP/JSON specifies', () => {
    const snake = { resource_spans: [{ scope_spans: [{ spans: [{ ...base, attributes: [flagKey] }] }] }] };
    expect(decodeTraces(json(snake), 'json')).toMatchObject({ spans: [], ignored: 0, rejected: 0 });
  });
});

describe('decodeTraces with protobuf', () => {
  it('reads int64 attributes beyond 32 bits and negative ones', () => {
    const type = otlpSchema().exportTraceServiceRequest;
    const body = type
      .encode(
        type.fromObject({
          resourceSpans: [
            {
              scopeSpans: [
                {
                  spans: [
                    {
                      traceId: Buffer.alloc(16, 0xab),
                      spanId: Buffer.alloc(8, 0xcd),
                      startTimeUnixNano: '1700000000000000000',
                      endTimeUnixNano: '1700000000000000001',
                      attributes: [
                        flagKey,
                        { key: 'big', value: { intValue: '123456789012' } },
                        { key: 'neg', value: { intValue: '-5' } },
                      ],
                    },
                  ],
                },
              ],
            },
          ],
        }),
      )
      .finish();
    const [span] = decodeTraces(body, 'protobuf').spans;
    expect(span).toMatchObject({ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), parentSpanId: '' });
    expect(span?.durationMs).toBe(0.000001);
    expect(span?.attributes).toMatchObject({ big: 123456789012, neg: -5 });
  });
});

/** A span as OTLP/JSON writes it (hex ids), with whatever other fields a test sets. */
type JsonSpan = { traceId: string; spanId: string; parentSpanId?: string; [field: string]: unknown };

describe('decodeTraces reads protobuf span by span', () => {
  const type = otlpSchema().exportTraceServiceRequest;
  const id = (hex: string) => Buffer.from(hex, 'hex');
  /** The same request as OTLP/JSON and as protobuf (ids as bytes), so the two paths can be compared. */
  function both(resourceSpans: Array<{ resource: object; scopeSpans: Array<{ spans: JsonSpan[] }> }>) {
    const asProtobuf = {
      resourceSpans: resourceSpans.map((r) => ({
        ...r,
        scopeSpans: r.scopeSpans.map((s) => ({
          scope: { name: 'lib', version: '1.0.0' },
          spans: s.spans.map((span) => ({
            ...span,
            traceId: id(span.traceId),
            spanId: id(span.spanId),
            parentSpanId: span.parentSpanId === undefined ? undefined : id(span.parentSpanId),
          })),
        })),
      })),
    };
    return {
      json: json({ resourceSpans }),
      protobuf: type.encode(type.fromObject(asProtobuf)).finish(),
    };
  }
  const event = {
    name: 'feature_flag.evaluation',
    timeUnixNano: '1700000000100000000',
    attributes: [flagKey, { key: 'feature_flag.result.variant', value: { stringValue: '2.0.0' } }],
  };
  const span = (n: number, extra: object = {}): JsonSpan => ({
    ...base,
    traceId: n.toString(16).padStart(32, '0'),
    spanId: n.toString(16).padStart(16, '0'),
    attributes: [
      flagKey,
      { key: 'gen_ai.usage.input_tokens', value: { intValue: String(100 + n) } },
      { key: 'gen_ai.prompt.0.content', value: { stringValue: 'secret words' } },
      { key: 'ok', value: { boolValue: n % 2 === 0 } },
    ],
    ...extra,
  });

  it('gives exactly what the OTLP/JSON of the same request gives, across resources, scopes and span kinds', () => {
    const { json: asJson, protobuf } = both([
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'agent' } }] },
        scopeSpans: [
          { spans: [span(1), span(2, { attributes: [{ key: 'plain', value: { intValue: '1' } }] })] },
          { spans: [span(3, { events: [event] }), span(4, { endTimeUnixNano: '0' })] },
        ],
      },
      { resource: { attributes: [] }, scopeSpans: [] },
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'worker' } }] },
        scopeSpans: [{ spans: [span(5, { status: { code: 2 }, kind: 3 }), span(6, { attributes: [] })] }],
      },
    ]);
    const fromJson = decodeTraces(asJson, 'json');
    const fromProtobuf = decodeTraces(protobuf, 'protobuf');
    expect(fromProtobuf).toEqual(fromJson);
    expect(fromProtobuf).toMatchObject({ ignored: 2, rejected: 1 });
    expect(fromProtobuf.spans.map((s) => [s.traceId.slice(-1), s.attributes['service.name']])).toEqual([
      ['1', 'agent'],
      ['3', 'agent'],
      ['5', 'worker'],
    ]);
    expect(fromProtobuf.spans[0]?.attributes).not.toHaveProperty('gen_ai.prompt.0.content');
  });

  it('reads an invalid UTF-8 string as U+FFFD instead of refusing the request (as Node decodes it)', () => {
    const { protobuf } = both([
      {
        resource: { attributes: [] },
        scopeSpans: [
          {
            spans: [
              span(1, {
                attributes: [flagKey, { key: 'label', value: { stringValue: 'QQQQ' } }],
              }),
              span(2),
            ],
          },
        ],
      },
    ]);
    const body = Buffer.from(protobuf);
    const at = body.indexOf('QQQQ');
    expect(at).toBeGreaterThan(0);
    body[at + 1] = 0xff; // a byte that never appears in UTF-8
    const decoded = decodeTraces(body, 'protobuf');
    expect(decoded.spans).toHaveLength(2);
    expect(decoded.spans[0]?.attributes.label).toBe('Q\uFFFDQQ');
  });

  it('reads a body handed over as a plain Uint8Array exactly as a Buffer', () => {
    const { protobuf } = both([
      { resource: { attributes: [] }, scopeSpans: [{ spans: [span(1), span(2)] }] },
    ]);
    const plain = new Uint8Array(protobuf.byteLength);
    plain.set(protobuf);
    expect(decodeTraces(plain, 'protobuf')).toEqual(decodeTraces(Buffer.from(protobuf), 'protobuf'));
  });

  it('refuses the whole request when one span inside it is malformed, so nothing of it is accepted', () => {
    const { protobuf } = both([
      { resource: { attributes: [] }, scopeSpans: [{ spans: [span(1), span(2)] }] },
    ]);
    // Cut the message inside the last span: the outer fields still parse, the span does not.
    expect(() => decodeTraces(protobuf.subarray(0, protobuf.length - 3), 'protobuf')).toThrow(
      /invalid protobuf ExportTraceServiceRequest/,
    );
  });
});

describe('isContentAttribute', () => {
  it.each([
    ['gen_ai.prompt', true],
    ['gen_ai.prompt.3.role', true],
    ['gen_ai.completion', true],
    ['gen_ai.input.messages', true],
    ['gen_ai.output.messages', true],
    ['gen_ai.usage.input_tokens', false],
    ['gen_ai.request.model', false],
    ['app.prompt', false],
  ])('%s → %s', (key, dropped) => {
    expect(isContentAttribute(key)).toBe(dropped);
  });
});

describe('flattenAttributes key cache', () => {
  it('gives the same records as without a cache when keys move, repeat, vanish or are dropped', () => {
    const kv = (key: string, value: string) => ({ key, value: { stringValue: value } });
    const lists = [
      [kv('a', '1'), kv('b', '2'), kv('gen_ai.prompt.0.content', 'secret'), kv('c', '3')],
      [kv('a', '4'), kv('b', '5'), kv('c', '6'), kv('gen_ai.prompt.0.content', 'secret')],
      [kv('', 'x'), kv('__proto__', 'y'), kv('b', '7'), kv('a', '8'), kv('a', '9')],
      [kv('a', '1'), kv('b', '2'), kv('gen_ai.completion', 'secret'), kv('c', '3')],
      [kv('', 'x'), kv('__proto__', 'y'), kv('', 'z')],
    ];
    const keys = newKeyCache();
    for (let round = 0; round < 2; round++) {
      for (const list of lists) {
        const cached = flattenAttributes(list, {}, '', 0, keys);
        const fresh = flattenAttributes(list, {}, '', 0, newKeyCache());
        expect(cached).toEqual(fresh);
        expect(Object.keys(cached)).toEqual(Object.keys(fresh));
        expect(Object.getPrototypeOf(cached)).toBe(Object.prototype);
      }
    }
  });
});
