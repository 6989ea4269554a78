import { InMemoryProvider, OpenFeature } from '@openfeature/server-sdk';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { FlagSpanHook, FlagSpanProcessor } from '@prompt-canary/openfeature-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from './scenario.js';
import { SeededRandom } from './seeded-random.js';
import { SupportAgent } from './support-agent.js';

const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({
  spanProcessors: [new FlagSpanProcessor(), new SimpleSpanProcessor(exporter)],
});
const scenario = loadScenario('tradeoff');

function agentFor(domain: 'stable' | 'canary' | 'content'): SupportAgent {
  return new SupportAgent({
    client: OpenFeature.getClient(domain),
    readsContent: domain === 'content',
    tracer: tracerProvider.getTracer('test'),
    scenario,
    flagKey: 'support-prompts',
    stableVersion: '2.3.1',
    timeScale: 60,
    startedAtMs: Date.now(),
  });
}

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  OpenFeature.addHooks(new FlagSpanHook());
  for (const [domain, variant] of [
    ['stable', 'old'],
    ['canary', 'new'],
  ] as const) {
    await OpenFeature.setProviderAndWait(
      domain,
      new InMemoryProvider({
        'support-prompts': {
          variants: { old: '2.3.1', new: '2.4.0' },
          defaultVariant: variant,
          disabled: false,
        },
      }),
    );
  }
});

beforeAll(async () => {
  // A pack that carries its prompts: the companion key serves the version's bundle (here, always 2.4.0's).
  await OpenFeature.setProviderAndWait(
    'content',
    new InMemoryProvider({
      'support-prompts.content': {
        variants: {
          new: {
            version: '2.4.0',
            prompts: { system: { text: 'You are a warm support agent.', role: 'system' } },
            model: { name: 'gpt-4o', parameters: { temperature: 0.7 } },
            attributes: {},
          },
        },
        defaultVariant: 'new',
        disabled: false,
      },
    }),
  );
});

afterAll(async () => {
  await OpenFeature.close();
  await tracerProvider.shutdown();
  context.disable();
  trace.disable();
});

const byName = (spans: readonly ReadableSpan[], prefix: string) =>
  spans.filter((s) => s.name.startsWith(prefix));
const durationMs = (s: ReadableSpan) => s.duration[0] * 1000 + s.duration[1] / 1e6;

describe('SupportAgent', () => {
  it('stamps the served version on the answer span and on its LLM child span, with the gen_ai attributes', async () => {
    exporter.reset();
    const session = { id: 's-1', attributes: { plan: 'pro' as const }, random: new SeededRandom(1) };
    const outcome = await agentFor('canary').answer(session);
    expect(outcome).toMatchObject({ version: '2.4.0', role: 'canary' });

    const spans = exporter.getFinishedSpans();
    const [root] = byName(spans, 'support.answer');
    const [llm] = byName(spans, 'chat ');
    expect(root?.attributes['feature_flag.key']).toBe('support-prompts');
    expect(root?.attributes['feature_flag.result.variant']).toBe('new');
    expect(llm?.name).toBe(`chat ${scenario.canary.model}`);
    expect(llm?.parentSpanContext?.spanId).toBe(root?.spanContext().spanId);
    expect(llm?.attributes['feature_flag.result.variant']).toBe('new'); // copied by FlagSpanProcessor
    expect(llm?.attributes['gen_ai.request.model']).toBe(scenario.canary.model);
    expect(llm?.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expect(llm?.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
    // The span lasts the simulated latency although nothing waited for it.
    expect(Math.round(durationMs(llm as ReadableSpan))).toBe(outcome.latencyMs);
    expect(durationMs(root as ReadableSpan)).toBeGreaterThan(outcome.latencyMs);
  });

  it("takes its system prompt and temperature from the version's bundle", async () => {
    exporter.reset();
    const session = { id: 's-3', attributes: { plan: 'pro' as const }, random: new SeededRandom(3) };
    const outcome = await agentFor('content').answer(session);
    expect(outcome).toMatchObject({
      version: '2.4.0',
      role: 'canary',
      systemPrompt: 'You are a warm support agent.',
      temperature: 0.7,
    });
    const [llm] = byName(exporter.getFinishedSpans(), 'chat ');
    expect(llm?.attributes['gen_ai.request.temperature']).toBe(0.7);
  });

  it('answers stable sessions with the stable profile', async () => {
    exporter.reset();
    const session = { id: 's-2', attributes: { plan: 'free' as const }, random: new SeededRandom(2) };
    expect(await agentFor('stable').answer(session)).toMatchObject({ role: 'stable' });
    expect(byName(exporter.getFinishedSpans(), 'chat ')[0]?.name).toBe(`chat ${scenario.stable.model}`);
  });
});
