import fc from 'fast-check';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { decodeTraceObjects, decodeTraces } from './decode-traces.js';
import { otlpSchema } from './otlp-schema.js';
import type { WireTraceRequest } from './otlp-wire-types.js';
import { PROJECTED_FIELDS } from './project-protobuf-traces.js';

const schema = otlpSchema();
const Request = schema.exportTraceServiceRequest;

/** protobufjs's wire type for a field of the given type (messages, strings and bytes are length-delimited). */
function wireTypeOf(field: protobuf.Field): number {
  if (field.repeated && !(field.resolvedType instanceof protobuf.Enum) && field.resolvedType !== null)
    return 2;
  if (field.resolvedType instanceof protobuf.Enum) return 0;
  if (field.resolvedType !== null) return 2;
  return protobuf.types.basic[field.type as keyof typeof protobuf.types.basic] ?? 2;
}

describe('the protobuf projection of trace requests', () => {
  it.each(
    PROJECTED_FIELDS.map(([message, field, tag]) => [`${message}.${field}`, message, field, tag] as const),
  )('reads %s with the number and wire type of the schema', (_name, message, fieldName, tag) => {
    const type = schema.root.lookupType(`opentelemetry.proto.${message}`);
    const field = type.fields[fieldName] as protobuf.Field;
    expect(field, `${message}.${fieldName}`).toBeDefined();
    expect([tag >>> 3, tag & 7]).toEqual([field.id, wireTypeOf(field)]);
  });

  // Generated requests, shaped to hit every branch: ids of wrong lengths, missing and backwards times, keys that are
  // dropped or repeated, every AnyValue arm (and empty ones, arrays, nested lists), flag evaluation events and others,
  // several resources and scopes. Runs share the position caches, so values that repeat and change are both read.
  const keys = fc.constantFrom(
    'feature_flag.key',
    'feature_flag.result.variant',
    'feature_flag.context.id',
    'gen_ai.prompt.0.content',
    'gen_ai.input.messages',
    'http.route',
    'tokens',
    '__proto__',
    '',
    'service.name',
    'ü.key',
  );
  const scalar = fc.oneof(
    fc.record({ stringValue: fc.constantFrom('a', 'support-prompts', '2.4.0', '', 'üñí', 'x'.repeat(80)) }),
    fc.record({ boolValue: fc.boolean() }),
    fc.record({
      intValue: fc.oneof(
        fc.integer({ min: -5, max: 300 }),
        fc.constantFrom(2 ** 28 - 1, 2 ** 28, 2 ** 31, 2 ** 40 + 7, -(2 ** 35), Number.MAX_SAFE_INTEGER),
      ),
    }),
    fc.record({ doubleValue: fc.oneof(fc.double({ noNaN: true }), fc.constant(0.5)) }),
    fc.record({ bytesValue: fc.uint8Array({ maxLength: 4 }) }),
    fc.constant({}),
  );
  const anyValue: fc.Arbitrary<object> = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      scalar,
      fc.record({ arrayValue: fc.record({ values: fc.array(tie('value'), { maxLength: 3 }) }) }),
      fc.record({
        kvlistValue: fc.record({
          values: fc.array(fc.record({ key: keys, value: tie('value') }), { maxLength: 3 }),
        }),
      }),
      fc.record({ stringValue: fc.constant('both'), intValue: fc.constant(3) }),
    ),
  })).value;
  const keyValue = fc.record(
    { key: keys, value: fc.option(anyValue, { nil: undefined }) },
    { requiredKeys: ['key'] },
  );
  const attributes = fc.array(keyValue, { maxLength: 8 });
  const id = (n: number) =>
    fc.oneof(fc.uint8Array({ minLength: n, maxLength: n }), fc.uint8Array({ maxLength: 17 }));
  const nanos = fc.oneof(
    fc.constant(0n),
    fc.bigInt({ min: 1n, max: 2n ** 62n }),
    fc.constant(1_700_000_000_000_000_000n),
  );
  const event = fc.record({
    name: fc.constantFrom('feature_flag.evaluation', 'exception'),
    timeUnixNano: nanos.map(String),
    attributes,
  });
  const span = fc
    .record({
      traceId: id(16),
      spanId: id(8),
      parentSpanId: fc.oneof(fc.constant(new Uint8Array()), id(8)),
      name: fc.constantFrom('chat', '', 'ünïcode'),
      kind: fc.integer({ min: 0, max: 5 }),
      start: nanos,
      length: fc.bigInt({ min: -5n, max: 10n ** 10n }),
      attributes,
      events: fc.array(event, { maxLength: 2 }),
      status: fc.option(
        fc.record({ code: fc.integer({ min: 0, max: 2 }), message: fc.constantFrom('', 'x') }),
      ),
    })
    .map(({ start, length, status, ...rest }) => ({
      ...rest,
      startTimeUnixNano: String(start),
      endTimeUnixNano: String(start + length < 0n ? 0n : start + length),
      ...(status === null ? {} : { status }),
    }));
  const requestArb = fc.record({
    resourceSpans: fc.array(
      fc.record({
        resource: fc.record({ attributes }),
        scopeSpans: fc.array(fc.record({ spans: fc.array(span, { maxLength: 4 }) }), { maxLength: 2 }),
      }),
      { maxLength: 2 },
    ),
  });

  it('gives exactly what protobufjs decoding and the object walker give, for any request', () => {
    fc.assert(
      fc.property(requestArb, (object) => {
        const bytes = Request.encode(Request.fromObject(object)).finish();
        const reference = decodeTraceObjects(Request.decode(bytes) as unknown as WireTraceRequest);
        expect(decodeTraces(bytes, 'protobuf')).toEqual(reference);
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 300) },
    );
  });

  it('reads a resource that follows its spans on the wire, and skips fields it does not know', () => {
    const flagged = { key: 'feature_flag.key', value: { stringValue: 'p' } };
    const spanObject = {
      traceId: new Uint8Array(16).fill(1),
      spanId: new Uint8Array(8).fill(2),
      startTimeUnixNano: '1000000',
      endTimeUnixNano: '3000000',
      attributes: [flagged],
    };
    const ResourceSpans = schema.root.lookupType('opentelemetry.proto.trace.v1.ResourceSpans');
    const scopeOnly = ResourceSpans.encode(
      ResourceSpans.fromObject({ scopeSpans: [{ spans: [spanObject] }] }),
    ).finish();
    const resourceOnly = ResourceSpans.encode(
      ResourceSpans.fromObject({
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'chat-api' } }] },
      }),
    ).finish();
    // Field 99 (unknown to the schema), then the scope spans, then the resource: one ResourceSpans message.
    const unknown = protobuf.Writer.create()
      .uint32((99 << 3) | 2)
      .bytes(Uint8Array.of(1, 2, 3))
      .finish();
    const body = protobuf.Writer.create()
      .uint32((1 << 3) | 2)
      .bytes(Buffer.concat([unknown, scopeOnly, resourceOnly]))
      .finish();
    const { spans } = decodeTraces(body, 'protobuf');
    expect(spans).toHaveLength(1);
    expect(spans[0]?.attributes).toEqual({ 'service.name': 'chat-api', 'feature_flag.key': 'p' });
  });

  it('answers a truncated request with a decode error, never a partial result', () => {
    const bytes = Request.encode(
      Request.fromObject({
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: new Uint8Array(16).fill(1),
                    spanId: new Uint8Array(8).fill(2),
                    startTimeUnixNano: '1',
                    endTimeUnixNano: '2',
                    attributes: [{ key: 'feature_flag.key', value: { stringValue: 'p' } }],
                  },
                ],
              },
            ],
          },
        ],
      }),
    ).finish();
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(() => decodeTraces(bytes.subarray(0, cut), 'protobuf'), `cut at ${cut}`).toThrow(
        /invalid protobuf ExportTraceServiceRequest/,
      );
    }
  });
});
