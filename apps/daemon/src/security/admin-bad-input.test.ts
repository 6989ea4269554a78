import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createTestDaemon } from '../testing/test-daemon.js';
import {
  expectHandled,
  fuzzRuns,
  fuzzTimeout,
  MAX_HEAP_AFTER_FUZZ,
  StatusTally,
} from './testing/bad-input-oracle.js';

const RUNS = fuzzRuns();
const d = createTestDaemon();
const tally = new StatusTally();
afterAll(async () => {
  console.log(`admin bad input (${RUNS} runs per property)\n${tally.summary()}`);
  await d.close();
});

const flag = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' };
const pack = {
  apiVersion: 'promptcanary.dev/v1alpha1',
  kind: 'PromptPack',
  metadata: { name: 'fuzz' },
  spec: { version: '1.0.0', rollout: { canaryWeight: 10, stepWeight: 10, stepInterval: '5m' } },
};

/** Body-reading admin routes with a valid document each, to mutate. */
const ROUTES: ReadonlyArray<{ method: string; path: string; valid: unknown; yaml?: boolean }> = [
  { method: 'PUT', path: '/api/v1/flags/fuzz', valid: flag },
  { method: 'PUT', path: '/api/v1/segments/fuzz', valid: { match: { plan: 'pro' } } },
  { method: 'PUT', path: '/api/v1/packs/fuzz', valid: pack, yaml: true },
  { method: 'POST', path: '/api/v1/import/flagd', valid: { flags: { fuzz: flag } } },
  { method: 'POST', path: '/api/v1/tokens', valid: { name: 'fuzz', scopes: ['read'] } },
  { method: 'POST', path: '/api/v1/rollouts/fuzz/pause', valid: { reason: 'fuzz' } },
];

const route = fc.constantFrom(...ROUTES);

/** Marks a string replacement as raw JSON text, spliced in after stringifying (deep values overflow the stack). */
const RAW = '\u0000raw:';

function withRaw(text: string): string {
  return text.replace(/"\\u0000raw:([^"]*)"/g, '$1');
}

function asYaml(body: string): string {
  try {
    return stringify(JSON.parse(body));
  } catch {
    // Too deep to stringify as YAML: JSON is YAML too.
    return body;
  }
}
const json = fc.jsonValue({ maxDepth: 6 });

/** A path into `value` (as keys), chosen by `choices`. */
function pathsOf(value: unknown, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  return [prefix, ...Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...prefix, k]))];
}

function setAt(value: unknown, path: readonly string[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy = structuredClone(value) as Record<string, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[path.at(-1) as string] = replacement;
  return copy;
}

/** A valid document with one node replaced (wrong type, unknown field, huge string, deep nesting). */
const mutated = route.chain((r) =>
  fc
    .tuple(
      fc.constantFrom(...pathsOf(r.valid)),
      fc.oneof(
        json,
        fc.string({ maxLength: 50 }).map((k) => ({ [`unknown_${k}`]: 1 })),
        fc.integer({ min: 1, max: 200_000 }).map((n) => 'x'.repeat(n)),
        fc.integer({ min: 1, max: 50_000 }).map((n) => `${RAW}${'['.repeat(n)}${']'.repeat(n)}`),
        fc.constantFrom(null, -1, 1e308, '', [], {}, true),
      ),
      fc.boolean(),
    )
    .map(([path, replacement, addUnknown]) => {
      const doc = setAt(r.valid, path, replacement);
      const body = addUnknown && doc !== null && typeof doc === 'object' ? { ...doc, extraField: 1 } : doc;
      return { r, body: withRaw(JSON.stringify(body)) };
    }),
);

/** Text that is sometimes YAML and often close to it: fragments with anchors, aliases, tags and flow markers. */
const yamlish = fc
  .array(
    fc.constantFrom(
      'a: ',
      '- ',
      '&x ',
      '*x',
      '<<: *x\n',
      '[',
      ']',
      '{',
      '}',
      ', ',
      '\n',
      '  ',
      '"q"',
      "'s'",
      '|\n  text\n',
      '!!binary ',
      '!!js/function ',
      '? ',
      '---\n',
      '...\n',
      '%YAML 1.2\n',
      '#c\n',
      'spec: ',
      'metadata: ',
      '1e999',
      '~',
    ),
    { maxLength: 80 },
  )
  .map((parts) => parts.join(''));

/** A YAML alias bomb: `depth` levels each referring `fanout` times to the level below. */
const aliasBomb = fc
  .record({ depth: fc.integer({ min: 2, max: 12 }), fanout: fc.integer({ min: 2, max: 12 }) })
  .map(({ depth, fanout }) => {
    const lines = ['l0: &l0 "boom"'];
    for (let i = 1; i <= depth; i++)
      lines.push(
        `l${i}: &l${i} [${Array(fanout)
          .fill(`*l${i - 1}`)
          .join(', ')}]`,
      );
    return lines.join('\n');
  });

const deepYaml = fc
  .tuple(fc.integer({ min: 100, max: 100_000 }), fc.constantFrom('flow', 'block', 'items'))
  .map(([n, kind]) => {
    if (kind === 'flow') return `spec: ${'['.repeat(n)}${']'.repeat(n)}`;
    if (kind === 'items') return `spec: ${'- '.repeat(Math.min(n, 20_000))}x`;
    const levels = Math.min(n, 2500);
    return Array.from({ length: levels }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n');
  });

async function send(method: string, path: string, body: string, contentType: string, label: string) {
  const res = await d.request(path, { method, body, headers: { 'content-type': contentType } });
  tally.add(`${method} ${path.replace(/fuzz/g, ':x')}`, res.status);
  await expectHandled(res, 'api', label);
}

describe('admin bodies: hostile input gets a 4xx with a stable code or is accepted, never a 5xx', () => {
  it(
    'arbitrary JSON documents',
    async () => {
      await fc.assert(
        fc.asyncProperty(route, json, async (r, value) => {
          await send(
            r.method,
            r.path,
            JSON.stringify(value),
            'application/json',
            JSON.stringify(value).slice(0, 200),
          );
        }),
        { numRuns: RUNS },
      );
    },
    fuzzTimeout(RUNS),
  );

  it(
    'valid documents with one node wrong, unknown, huge or deeply nested',
    async () => {
      await fc.assert(
        fc.asyncProperty(mutated, async ({ r, body }) => {
          await send(r.method, r.path, body, 'application/json', body.slice(0, 200));
        }),
        { numRuns: RUNS },
      );
    },
    fuzzTimeout(RUNS),
  );

  it(
    'bytes that are not JSON, and wrong content types',
    async () => {
      const contentType = fc.constantFrom(
        'application/json',
        'text/plain',
        '',
        'application/x-protobuf',
        'application/json; charset=latin1',
        'multipart/form-data',
      );
      await fc.assert(
        fc.asyncProperty(
          route,
          fc.string({ maxLength: 300, unit: 'binary' }),
          contentType,
          async (r, body, type) => {
            await send(r.method, r.path, body, type, `${type} ${JSON.stringify(body.slice(0, 100))}`);
          },
        ),
        { numRuns: RUNS },
      );
    },
    fuzzTimeout(RUNS),
  );

  it(
    'YAML packs: near-YAML text, alias bombs, deep nesting and JSON-shaped documents as YAML',
    async () => {
      const yamlBody = fc.oneof(
        yamlish,
        aliasBomb,
        deepYaml,
        mutated.map(({ body }) => asYaml(body)),
      );
      await fc.assert(
        fc.asyncProperty(yamlBody, async (text) => {
          await send(
            'PUT',
            '/api/v1/packs/fuzz',
            text,
            'application/yaml',
            JSON.stringify(text.slice(0, 200)),
          );
        }),
        { numRuns: RUNS },
      );
    },
    fuzzTimeout(RUNS),
  );

  it('leaves the heap bounded and answered no 5xx at all', () => {
    expect(tally.serverErrors).toBe(0);
    expect(process.memoryUsage().heapUsed).toBeLessThan(MAX_HEAP_AFTER_FUZZ);
  });
});
