import { type Client, OpenFeature } from '@openfeature/server-sdk';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONTEXT_ID_KEY, hashContextId } from './context-id.js';
import type { FeatureFlagAttributeOptions } from './feature-flag-attributes.js';
import { FlagSpanHook } from './flag-span-hook.js';
import { FlagSpanProcessor } from './flag-span-processor.js';
import { getPrompt } from './get-prompt.js';
import { PromptCanaryProvider } from './prompt-canary-provider.js';

const exporter = new InMemorySpanExporter();
const contextManager = new AsyncLocalStorageContextManager();
const tracerProvider = new BasicTracerProvider({
  spanProcessors: [new FlagSpanProcessor(), new SimpleSpanProcessor(exporter)],
});
const domain = 'flag-span-hook-test';
const client = OpenFeature.getClient(domain);

/** A provider serving the test flags, offline. */
function offlineProvider(): PromptCanaryProvider {
  return new PromptCanaryProvider({
    offline: true,
    bootstrap: {
      schemaVersion: 1,
      revision: 42,
      flags: {
        'tenant-prompts': {
          key: 'tenant-prompts',
          state: 'ENABLED',
          variants: { '1.0.0': '1.0.0', '1.1.0': '1.1.0' },
          defaultVariant: '1.0.0',
          rules: [
            {
              serve: {
                split: {
                  bucketBy: 'tenant_id',
                  arms: [
                    { variant: '1.1.0', weight: 50 },
                    { variant: '1.0.0', weight: 50 },
                  ],
                },
              },
            },
          ],
        },
        'support-prompts': {
          key: 'support-prompts',
          state: 'ENABLED',
          variants: { '2.3.1': '2.3.1', '2.4.0': '2.4.0' },
          defaultVariant: '2.3.1',
          rules: [
            {
              serve: {
                split: {
                  arms: [
                    { variant: '2.4.0', weight: 50 },
                    { variant: '2.3.1', weight: 50 },
                  ],
                },
              },
            },
          ],
        },
        // The companion flag canaryd compiles for support-prompts: the same split, seeded with the pack's name.
        'support-prompts.content': {
          key: 'support-prompts.content',
          state: 'ENABLED',
          variants: {
            '2.3.1': {
              version: '2.3.1',
              prompts: { system: { text: 'SECRET-OLD' } },
              model: null,
              attributes: {},
            },
            '2.4.0': {
              version: '2.4.0',
              prompts: { system: { text: 'SECRET-NEW' } },
              model: null,
              attributes: {},
            },
          },
          defaultVariant: '2.3.1',
          rules: [
            {
              serve: {
                split: {
                  seed: 'support-prompts',
                  arms: [
                    { variant: '2.4.0', weight: 50 },
                    { variant: '2.3.1', weight: 50 },
                  ],
                },
              },
            },
          ],
          metadata: { bundleOf: 'support-prompts' },
        },
        'answer-model': {
          key: 'answer-model',
          state: 'ENABLED',
          variants: { small: 'gpt-small', large: 'gpt-large' },
          defaultVariant: 'small',
        },
      },
    },
  });
}

/** A client of its own provider (in its own domain) with a hook made with `options`. */
async function hookedClient(name: string, options?: FeatureFlagAttributeOptions): Promise<Client> {
  const hookedDomain = `${domain}-${name}`;
  await OpenFeature.setProviderAndWait(hookedDomain, offlineProvider());
  const hooked = OpenFeature.getClient(hookedDomain);
  hooked.addHooks(new FlagSpanHook(options));
  return hooked;
}

beforeAll(async () => {
  context.setGlobalContextManager(contextManager.enable());
  trace.setGlobalTracerProvider(tracerProvider);
  await OpenFeature.setProviderAndWait(domain, offlineProvider());
  client.addHooks(new FlagSpanHook());
});

afterAll(async () => {
  await OpenFeature.clearProviders();
  await tracerProvider.shutdown();
  trace.disable();
  context.disable();
});

beforeEach(() => exporter.reset());

const tracer = () => trace.getTracer('test');

describe('FlagSpanHook', () => {
  it('stamps the semantic-convention attributes on the active span', async () => {
    await tracer().startActiveSpan('request', async (span) => {
      await client.getStringValue('support-prompts', '0.0.0', { targetingKey: 'unit-7' });
      span.end();
    });
    const [span] = exporter.getFinishedSpans();
    expect(span?.attributes).toMatchObject({
      'feature_flag.key': 'support-prompts',
      'feature_flag.provider.name': 'prompt-canary',
      'feature_flag.result.reason': 'split',
      'feature_flag.version': '42',
    });
    const variant = span?.attributes['feature_flag.result.variant'];
    expect(['2.3.1', '2.4.0']).toContain(variant);
    expect(span?.attributes['feature_flag.result.value']).toBe(variant);
  });

  it('records one feature_flag.evaluation event per evaluation, so two flags in one request keep both', async () => {
    await tracer().startActiveSpan('request', async (span) => {
      await client.getStringValue('support-prompts', '0.0.0', { targetingKey: 'unit-7' });
      await client.getStringValue('answer-model', 'none', { targetingKey: 'unit-7' });
      span.end();
    });
    const [span] = exporter.getFinishedSpans();
    const events = span?.events.filter((event) => event.name === 'feature_flag.evaluation') ?? [];
    expect(events.map((event) => event.attributes?.['feature_flag.key'])).toEqual([
      'support-prompts',
      'answer-model',
    ]);
    expect(events[1]?.attributes).toMatchObject({
      'feature_flag.result.variant': 'small',
      'feature_flag.result.value': 'gpt-small',
      'feature_flag.result.reason': 'static',
      'feature_flag.version': '42',
    });
  });

  it("stamps a companion key's evaluation as its pack's: the pack key, the version, never the bundle", async () => {
    const units = Array.from({ length: 20 }, (_, i) => `unit-${i}`);
    for (const unit of units) {
      await tracer().startActiveSpan('request', async (span) => {
        const { bundle, version } = await getPrompt(client, 'support-prompts', { targetingKey: unit });
        expect(bundle?.version).toBe(version);
        span.end();
      });
      await tracer().startActiveSpan('both keys', async (span) => {
        await client.getStringValue('support-prompts', '0.0.0', { targetingKey: unit });
        await client.getObjectValue('support-prompts.content', {}, { targetingKey: unit });
        span.end();
      });
    }
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(units.length * 2);
    for (let i = 0; i < units.length; i++) {
      const [alone, both] = [spans[2 * i], spans[2 * i + 1]];
      const expected = await client.getStringValue('support-prompts', '0.0.0', {
        targetingKey: units[i] as string,
      });
      for (const span of [alone, both]) {
        expect(span?.attributes['feature_flag.key']).toBe('support-prompts');
        expect(span?.attributes['feature_flag.result.variant']).toBe(expected);
        expect(JSON.stringify(span?.attributes)).not.toContain('SECRET');
        expect(JSON.stringify(span?.events)).not.toContain('SECRET');
      }
      // Both evaluations name the same unit id, so the span counts once, for one unit, in the pack's analysis.
      const ids = (both?.events ?? []).map((event) => event.attributes?.['feature_flag.context.id']);
      expect(ids).toHaveLength(2);
      expect(ids[0]).toBe(ids[1]);
      expect(alone?.attributes['feature_flag.context.id']).toBe(ids[0]);
    }
  });

  it('records errors with error.type and the default value', async () => {
    await tracer().startActiveSpan('request', async (span) => {
      await client.getStringValue('missing-flag', 'fallback', { targetingKey: 'unit-7' });
      span.end();
    });
    const [span] = exporter.getFinishedSpans();
    expect(span?.attributes).toMatchObject({
      'feature_flag.key': 'missing-flag',
      'feature_flag.result.reason': 'error',
      'feature_flag.result.value': 'fallback',
      'error.type': 'flag_not_found',
    });
  });

  it('does nothing without an active span', async () => {
    await expect(client.getStringValue('answer-model', 'none', {})).resolves.toBe('gpt-small');
    expect(exporter.getFinishedSpans()).toHaveLength(0);
  });
});

describe('FlagSpanProcessor', () => {
  it('copies the assignments onto child and grandchild spans started in the same context', async () => {
    await tracer().startActiveSpan('request', async (parent) => {
      await client.getStringValue('support-prompts', '0.0.0', { targetingKey: 'unit-7' });
      await client.getStringValue('answer-model', 'none', { targetingKey: 'unit-7' });
      await tracer().startActiveSpan('chat gpt-small', async (llm) => {
        llm.setAttribute('gen_ai.usage.input_tokens', 120);
        tracer().startSpan('http POST').end();
        llm.end();
      });
      parent.end();
    });
    const spans = exporter.getFinishedSpans();
    const byName = new Map(spans.map((span) => [span.name, span]));
    for (const name of ['chat gpt-small', 'http POST']) {
      const span = byName.get(name);
      expect(span?.attributes).toMatchObject({
        'feature_flag.key': 'answer-model',
        'feature_flag.result.variant': 'small',
        'feature_flag.inherited': true,
      });
      const keys = span?.events.map((event) => event.attributes?.['feature_flag.key']);
      expect(keys).toEqual(['support-prompts', 'answer-model']);
      expect(span?.events.every((event) => event.attributes?.['feature_flag.inherited'] === true)).toBe(true);
    }
    // The span that evaluated the flags carries them as its own: a request counted once.
    const own = byName.get('request');
    expect(own?.attributes['feature_flag.inherited']).toBeUndefined();
    expect(own?.events.some((event) => event.attributes?.['feature_flag.inherited'] !== undefined)).toBe(
      false,
    );
    expect(byName.get('chat gpt-small')?.attributes['gen_ai.usage.input_tokens']).toBe(120);
  });

  it('leaves spans without flagged parents alone', () => {
    tracer().startActiveSpan('plain', (parent) => {
      tracer().startSpan('child').end();
      parent.end();
    });
    for (const span of exporter.getFinishedSpans()) {
      expect(span.events).toHaveLength(0);
      expect(span.attributes['feature_flag.key']).toBeUndefined();
    }
  });
});

/** Evaluates `flagKey` once per context, each in its own request span; the `feature_flag.context.id` of each. */
async function stampedIds(
  on: Client,
  flagKey: string,
  contexts: Array<Record<string, string>>,
): Promise<unknown[]> {
  const ids: unknown[] = [];
  for (const evaluationContext of contexts) {
    exporter.reset();
    await tracer().startActiveSpan('request', async (span) => {
      await on.getStringValue(flagKey, 'fallback', evaluationContext);
      span.end();
    });
    const [span] = exporter.getFinishedSpans();
    expect(span?.attributes['feature_flag.key']).toBe(flagKey);
    const [event] = span?.events ?? [];
    // The event carries the same unit as the attributes: a span with two flags keeps both units.
    expect(event?.attributes?.['feature_flag.context.id']).toBe(span?.attributes['feature_flag.context.id']);
    ids.push(span?.attributes['feature_flag.context.id']);
  }
  return ids;
}

describe('feature_flag.context.id', () => {
  it('carries the unit as a 64-bit keyed hash, the same for the same unit and different for another', async () => {
    const [first, again, other] = await stampedIds(client, 'support-prompts', [
      { targetingKey: 'session-1' },
      { targetingKey: 'session-1' },
      { targetingKey: 'session-2' },
    ]);
    expect(first).toMatch(/^[0-9a-f]{16}$/);
    expect(first).toBe(hashContextId(DEFAULT_CONTEXT_ID_KEY, 'support-prompts', 'session-1'));
    expect(again).toBe(first);
    expect(other).not.toBe(first);
    expect(other).toMatch(/^[0-9a-f]{16}$/);
  });

  it('is the same from two provider instances with the same key, and differs with another key', async () => {
    const units = [{ targetingKey: 'session-1' }, { targetingKey: 'session-2' }];
    const one = await stampedIds(
      await hookedClient('instance-a', { contextIdKey: 'app-secret' }),
      'support-prompts',
      units,
    );
    const two = await stampedIds(
      await hookedClient('instance-b', { contextIdKey: 'app-secret' }),
      'support-prompts',
      units,
    );
    const otherKey = await stampedIds(
      await hookedClient('instance-c', { contextIdKey: 'another' }),
      'support-prompts',
      units,
    );
    expect(two).toEqual(one);
    expect(one).toEqual(
      units.map((unit) => hashContextId('app-secret', 'support-prompts', unit.targetingKey)),
    );
    expect(otherKey[0]).not.toBe(one[0]);
  });

  it('sends the raw bucketing value in raw mode and nothing when off', async () => {
    const units = [{ targetingKey: 'session-1' }];
    expect(
      await stampedIds(await hookedClient('raw', { contextId: 'raw' }), 'support-prompts', units),
    ).toEqual(['session-1']);
    expect(
      await stampedIds(await hookedClient('off', { contextId: 'off' }), 'support-prompts', units),
    ).toEqual([undefined]);
  });

  it('stamps the value of the attribute the flag buckets by (tenant_id), not the targeting key', async () => {
    const raw = await hookedClient('tenant-raw', { contextId: 'raw' });
    const contexts = [
      { targetingKey: 'user-1', tenant_id: 'acme' },
      { targetingKey: 'user-2', tenant_id: 'acme' },
    ];
    expect(await stampedIds(raw, 'tenant-prompts', contexts)).toEqual(['acme', 'acme']);
    const hashed = await stampedIds(client, 'tenant-prompts', contexts);
    expect(hashed).toEqual([
      hashContextId(DEFAULT_CONTEXT_ID_KEY, 'tenant-prompts', 'acme'),
      hashContextId(DEFAULT_CONTEXT_ID_KEY, 'tenant-prompts', 'acme'),
    ]);
    // Without the tenant the split buckets nothing, and no unit is stamped.
    expect(await stampedIds(raw, 'tenant-prompts', [{ targetingKey: 'user-1' }])).toEqual([undefined]);
  });

  it('reaches the child spans with the assignment it belongs to', async () => {
    await tracer().startActiveSpan('request', async (parent) => {
      await client.getStringValue('support-prompts', '0.0.0', { targetingKey: 'session-9' });
      tracer().startSpan('chat gpt-small').end();
      parent.end();
    });
    const child = exporter.getFinishedSpans().find((span) => span.name === 'chat gpt-small');
    const expected = hashContextId(DEFAULT_CONTEXT_ID_KEY, 'support-prompts', 'session-9');
    expect(child?.attributes).toMatchObject({
      'feature_flag.context.id': expected,
      'feature_flag.inherited': true,
    });
    expect(child?.events[0]?.attributes?.['feature_flag.context.id']).toBe(expected);
  });

  it('refuses a contextId or contextIdKey it cannot use, naming the option', () => {
    expect(() => new FlagSpanHook({ contextId: 'plain' as never })).toThrow(/`contextId`/);
    expect(() => new FlagSpanHook({ contextIdKey: '' })).toThrow(/`contextIdKey`/);
  });
});
