import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { loadOtlpSchema } from './otlp-schema.js';

const repoRoot = resolve(fileURLToPath(import.meta.url), '../../../../..');
const shared = process.env.PROMPT_CANARY_SHARED ?? join(repoRoot, '..', 'shared');
const specDir = join(shared, 'specs', 'otlp');
const present = existsSync(join(specDir, 'opentelemetry', 'proto'));

if (!present && process.env.CI === 'true') {
  throw new Error(`the published OTLP .proto files are missing under ${specDir} (set PROMPT_CANARY_SHARED)`);
}

// Not part of opentelemetry-proto: OTLP/HTTP borrows it from googleapis, which the shared specs do not carry.
const NOT_IN_OTLP_SPEC = new Set(['google.rpc.Status']);
/** Our shallow view of the trace request (spans left as bytes); checked against its published twin below. */
const SHALLOW = '.promptcanary.otlp.shallow.v1.';
const SHALLOW_TWINS: Record<string, string> = {
  ExportTraceServiceRequest: '.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
  ResourceSpans: '.opentelemetry.proto.trace.v1.ResourceSpans',
  ScopeSpans: '.opentelemetry.proto.trace.v1.ScopeSpans',
};

function loadPublished(): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(specDir, target);
  root.loadSync(
    [
      'opentelemetry/proto/collector/trace/v1/trace_service.proto',
      'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
    ],
    { keepCase: false },
  );
  root.resolveAll();
  return root;
}

function allTypes(ns: protobuf.NamespaceBase): Array<protobuf.Type | protobuf.Enum> {
  const out: Array<protobuf.Type | protobuf.Enum> = [];
  for (const nested of ns.nestedArray) {
    if (nested instanceof protobuf.Type || nested instanceof protobuf.Enum) out.push(nested);
    if (nested instanceof protobuf.Namespace) out.push(...allTypes(nested));
  }
  return out;
}

/** name, number, type (fully qualified for messages and enums) and label of a field. */
function describeField(field: protobuf.Field): string {
  const type = field.resolvedType ? field.resolvedType.fullName : field.type;
  return `${field.repeated ? 'repeated ' : ''}${type} ${field.name} = ${field.id}`;
}

/**
 * The field's oneof, or, for a oneof arm our schema spells as a plain field (AnyValue, for decode speed), the
 * presence that keeps it equivalent: an arm is either set or not, never read as a default.
 */
function describeOneof(ours: protobuf.Field, published: protobuf.Field): string {
  if (ours.partOf === null && published.partOf !== null && ours.hasPresence) return published.partOf.name;
  return ours.partOf?.name ?? '(none)';
}

describe.skipIf(!present)('the OTLP schema, against the published opentelemetry-proto files', () => {
  const ours = loadOtlpSchema().root;
  const published = present ? loadPublished() : new protobuf.Root();
  const types = allTypes(ours).filter(
    (t) => !NOT_IN_OTLP_SPEC.has(t.fullName.slice(1)) && !t.fullName.startsWith(SHALLOW),
  );
  const shallow = allTypes(ours).filter((t) => t.fullName.startsWith(SHALLOW));

  it('reads every shallow type as its published twin reads the same bytes', () => {
    expect(shallow.map((t) => t.name).sort()).toEqual(Object.keys(SHALLOW_TWINS).sort());
    for (const type of shallow) {
      const twin = published.lookup(SHALLOW_TWINS[type.name] ?? '') as protobuf.Type | null;
      expect(twin, `${type.fullName} has no published twin`).toBeInstanceOf(protobuf.Type);
      for (const field of (type as protobuf.Type).fieldsArray) {
        const theirs = twin?.fields[field.name] as protobuf.Field | undefined;
        expect(theirs, `${type.fullName}.${field.name}`).toBeDefined();
        if (theirs === undefined) continue;
        expect([field.id, field.repeated]).toEqual([theirs.id, theirs.repeated]);
        // A message field read as bytes is the same length-delimited field on the wire, left undecoded.
        const shallowType = field.type === 'bytes' ? 'bytes' : field.resolvedType?.fullName.split('.').pop();
        const twinType = field.type === 'bytes' ? 'bytes' : theirs.resolvedType?.fullName.split('.').pop();
        expect(shallowType).toBe(twinType);
        if (field.type === 'bytes') expect(theirs.resolvedType).toBeInstanceOf(protobuf.Type);
      }
    }
  });

  it('covers the messages the receiver reads', () => {
    const names = types.map((t) => t.fullName);
    expect(names).toEqual(
      expect.arrayContaining([
        '.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
        '.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess',
        '.opentelemetry.proto.collector.metrics.v1.ExportMetricsPartialSuccess',
        '.opentelemetry.proto.trace.v1.Span',
        '.opentelemetry.proto.trace.v1.Span.Event',
        '.opentelemetry.proto.common.v1.AnyValue',
        '.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint.Buckets',
      ]),
    );
  });

  it.each(types.map((t) => [t.fullName, t] as const))('%s matches the published definition', (name, type) => {
    const theirs = published.lookup(name);
    expect(theirs, `${name} is not in the published files`).not.toBeNull();
    if (type instanceof protobuf.Enum) {
      expect(theirs).toBeInstanceOf(protobuf.Enum);
      expect(type.values).toEqual((theirs as protobuf.Enum).values);
      return;
    }
    expect(theirs).toBeInstanceOf(protobuf.Type);
    const spec = theirs as protobuf.Type;
    for (const field of type.fieldsArray) {
      const published = spec.fields[field.name];
      expect(published, `${name}.${field.name} is not in the published message`).toBeDefined();
      expect(describeField(field)).toBe(describeField(published as protobuf.Field));
      expect(describeOneof(field, published as protobuf.Field)).toBe(
        (published as protobuf.Field).partOf?.name ?? '(none)',
      );
    }
  });
});

describe.skipIf(present)('the OTLP schema cross-check', () => {
  it.skip(`needs the published .proto files under ${specDir} (set PROMPT_CANARY_SHARED)`, () => {});
});
