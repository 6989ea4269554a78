import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACK, startRollout } from '../ingest/testing/live-rollout.js';
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

/** Flags whose targeting reads nested attributes, so that odd contexts reach the evaluator. */
const FLAGS: Record<string, unknown> = {
  plain: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' },
  nested: {
    state: 'ENABLED',
    variants: { a: 'a', b: 'b', c: 'c' },
    defaultVariant: 'a',
    targeting: {
      if: [
        { in: [{ var: 'user.plan' }, ['pro', 'team']] },
        { fractional: [{ cat: [{ var: '$flagd.flagKey' }, { var: 'targetingKey' }] }, ['b', 50], ['c', 50]] },
        { sem_ver: [{ var: 'app.version' }, '>=', '1.2.0'] },
        'c',
        { starts_with: [{ var: 'email' }, 'admin@'] },
        'b',
        null,
      ],
    },
  },
};

beforeAll(async () => {
  for (const [key, flag] of Object.entries(FLAGS))
    await d.request(`/api/v1/flags/${key}`, { method: 'PUT', json: flag });
  await startRollout(d);
});
afterAll(async () => {
  console.log(`evaluation and tracking bad input (${RUNS} runs per property)\n${tally.summary()}`);
  await d.close();
});

const RAW = '\u0000raw:';
/** Splices raw JSON text (deep nesting `JSON.stringify` could not produce) into a stringified body. */
function withRaw(text: string): string {
  return text.replace(/"\\u0000raw:([^"]*)"/g, '$1');
}

const contextValue = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  fc.integer({ min: 1, max: 100_000 }).map((n) => `${RAW}${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
  fc.integer({ min: 1, max: 100_000 }).map((n) => `${RAW}${'['.repeat(n)}${']'.repeat(n)}`),
  fc.integer({ min: 1, max: 500_000 }).map((n) => 'k'.repeat(n)),
);

const context = fc.record(
  {
    targetingKey: fc.oneof(
      fc.string(),
      fc.jsonValue({ maxDepth: 2 }),
      fc.integer({ min: 1, max: 300_000 }).map((n) => 't'.repeat(n)),
    ),
    user: fc.oneof(contextValue, fc.record({ plan: contextValue })),
    app: fc.record({
      version: fc.oneof(fc.constantFrom('1.2.0', '1.2', 'v1', '', '99999999999999999999.0.0'), contextValue),
    }),
    email: contextValue,
    extra: contextValue,
  },
  { requiredKeys: [] },
);

const ofrepBody = fc.oneof(
  { weight: 6, arbitrary: context.map((c) => withRaw(JSON.stringify({ context: c }))) },
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify({ context: v })),
  fc.string({ maxLength: 200, unit: 'binary' }),
);

const track = {
  name: 'thumbs_up',
  flagKey: PACK,
  targetingKey: 'user-1',
  timestamp: Date.parse('2025-01-01T00:00:00Z'),
};
const score = { traceId: '0123456789abcdef0123456789abcdef', name: 'judge', value: 0.5 };

/** One tracking event or score with each field kept, dropped or replaced by something else. */
function mutatedItem(valid: Record<string, unknown>) {
  const fields = Object.keys(valid);
  return fc
    .record({
      changes: fc.array(
        fc.tuple(
          fc.constantFrom(...fields, 'value', 'variant', 'attributes', 'unknown'),
          fc.option(
            fc.oneof(
              fc.jsonValue({ maxDepth: 3 }),
              fc.integer({ min: 1, max: 100_000 }).map((n) => 'x'.repeat(n)),
            ),
            { nil: undefined },
          ),
        ),
        { maxLength: 4 },
      ),
    })
    .map(({ changes }) => {
      const item: Record<string, unknown> = { ...valid };
      for (const [field, value] of changes) {
        if (value === undefined) delete item[field];
        else item[field] = value;
      }
      return item;
    });
}

async function send(
  path: string,
  body: string,
  surface: 'api' | 'ofrep',
  as: 'evaluate' | 'ingest',
  label: string,
) {
  const res = await d.request(path, {
    method: 'POST',
    as,
    body,
    headers: { 'content-type': 'application/json' },
  });
  tally.add(path.replace(/flags\/.+$/, 'flags/:key'), res.status);
  await expectHandled(res, surface, label);
}

describe('evaluation and tracking: hostile input gets a 4xx with a stable code or is evaluated, never a 5xx', () => {
  it(
    'OFREP contexts: deep nesting, huge strings, non-string targeting keys, not objects at all',
    async () => {
      const key = fc.constantFrom(
        'plain',
        'nested',
        PACK,
        'missing',
        'with%20space',
        'dot.ted',
        'a'.repeat(300),
      );
      await fc.assert(
        fc.asyncProperty(fc.option(key, { nil: undefined }), ofrepBody, async (flagKey, body) => {
          const path =
            flagKey === undefined ? '/ofrep/v1/evaluate/flags' : `/ofrep/v1/evaluate/flags/${flagKey}`;
          await send(path, body, 'ofrep', 'evaluate', `${path} ${body.slice(0, 200)}`);
        }),
        { numRuns: RUNS },
      );
    },
    fuzzTimeout(RUNS),
  );

  it(
    'tracking events and scores: wrong types, missing and unknown fields, huge values, odd batches',
    async () => {
      const batch = fc.oneof(
        fc
          .array(mutatedItem(track), { maxLength: 5 })
          .map((events) => ({ path: '/api/v1/track', body: { events } })),
        fc
          .array(mutatedItem(score), { maxLength: 5 })
          .map((scores) => ({ path: '/api/v1/scores', body: { scores } })),
        fc.jsonValue({ maxDepth: 4 }).map((body) => ({ path: '/api/v1/track', body })),
        fc
          .integer({ min: 1000, max: 1500 })
          .map((n) => ({ path: '/api/v1/track', body: { events: Array(n).fill(track) } })),
      );
      await fc.assert(
        fc.asyncProperty(batch, async ({ path, body }) => {
          const text = JSON.stringify(body);
          await send(path, text, 'api', 'ingest', `${path} ${text.slice(0, 200)}`);
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
