import { OpenFeature } from '@openfeature/server-sdk';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FlagSpanHook } from './flag-span-hook.js';
import { FlagSpanProcessor } from './flag-span-processor.js';
import { PromptCanaryProvider } from './prompt-canary-provider.js';

const exporter = new InMemorySpanExporter();
const contextManager = new AsyncLocalStorageContextManager();
const tracerProvider = new BasicTracerProvider({
  spanProcessors: [new FlagSpanProcessor(), new SimpleSpanProcessor(exporter)],
});
const domain = 'flag-span-hook-test';
const client = OpenFeature.getClient(domain);

beforeAll(async () => {
  context.setGlobalContextManager(contextManager.enable());
  trace.setGlobalTracerProvider(tracerProvider);
  const provider = new PromptCanaryProvider({
    offline: true,
    bootstrap: {
      schemaVersion: 1,
      revision: 42,
      flags: {
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
        'answer-model': {
          key: 'answer-model',
          state: 'ENABLED',
          variants: { small: 'gpt-small', large: 'gpt-large' },
          defaultVariant: 'small',
        },
      },
    },
  });
  await OpenFeature.setProviderAndWait(domain, provider);
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
