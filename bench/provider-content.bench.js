// Provider benchmark of a pack's companion key (issue 15): reading the bundle of a unit's version,
// `support-prompts.content`, must cost at most twice reading the version itself, `support-prompts`, in every
// path an app uses. One process, one interleaved run, against the config a real canaryd serves for a pack with
// prompts at a 10% rollout (bundle references resolved by the provider as it does from the stream):
//   (a) provider `resolveStringEvaluation('support-prompts')` called directly        vs (a') `resolveObjectEvaluation('support-prompts.content')`
//   (b) SDK `getStringValue` with `FlagSpanHook` + `FlagSpanProcessor` in a request span + child span
//                                                                                      vs (b') `getObjectValue` of the companion key, the same way
//                                                                                      and (b'') `getPrompt(client, 'support-prompts', context)`, the same way
// Prints a Markdown table for docs/benchmarks.md; exits 1 when a ratio is 2× or more.
//
//   pnpm --filter @prompt-canary/bench run provider-content     (expects packages/*/dist and apps/daemon/dist built)

import { OpenFeature } from '@openfeature/server-sdk';
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  FlagSpanHook,
  FlagSpanProcessor,
  getPrompt,
  PromptCanaryProvider,
} from '@prompt-canary/openfeature-provider';
import { do_not_optimize, measure } from 'mitata';
import { createToken, startDaemon } from './lib/daemon-process.js';
import { loadAverage, machineLine, median } from './lib/machine.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const KEY_COUNT = 4096;
const MASK = KEY_COUNT - 1;
const PACK = 'support-prompts';
const CONTENT = `${PACK}.content`;
const keys = Array.from({ length: KEY_COUNT }, (_, i) => `user-${((i * 2654435761) >>> 0).toString(36)}`);
const contexts = keys.map((targetingKey) => ({ targetingKey, plan: 'pro' }));

/** A pack version with a realistic system prompt (about 4 KB), a model and attributes. */
function pack(version, sentence, temperature) {
  return {
    apiVersion: 'promptcanary.dev/v1alpha1',
    kind: 'PromptPack',
    metadata: { name: PACK },
    spec: {
      version,
      prompts: {
        system: { text: `${sentence} `.repeat(80), role: 'system' },
        greeting: 'Hello! How can I help?',
      },
      model: { name: 'gpt-x', parameters: { temperature, max_tokens: 400 } },
      attributes: { ticketTags: ['billing', 'refunds'] },
      rollout: { canaryWeight: 10, stepWeight: 10, stepInterval: '1h' },
    },
  };
}

const noopExporter = {
  export: (_spans, done) => done({ code: 0 }),
  shutdown: () => Promise.resolve(),
  forceFlush: () => Promise.resolve(),
};
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const tracing = new BasicTracerProvider({
  spanProcessors: [new FlagSpanProcessor(), new SimpleSpanProcessor(noopExporter)],
});
const tracer = tracing.getTracer('bench');

async function main() {
  const daemon = await startDaemon();
  try {
    await daemon.api(
      'PUT',
      `/api/v1/packs/${PACK}`,
      pack('2.3.1', 'You are a support agent; be brief.', 0.2),
    );
    await daemon.api('PUT', `/api/v1/packs/${PACK}`, pack('2.4.0', 'You are a warm support agent.', 0.7));
    const token = await createToken(daemon.api, 'bench-content', ['evaluate']);
    const response = await fetch(`${daemon.baseUrl}/api/v1/config`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const config = await response.json();
    if (Object.keys(config.bundles ?? {}).length !== 2) throw new Error('expected two bundles in the config');

    const make = () => new PromptCanaryProvider({ offline: true, bootstrap: config, tracking: false });
    const direct = make();
    await direct.initialize();
    await OpenFeature.setProviderAndWait('content-bench', make());
    const client = OpenFeature.getClient('content-bench');
    client.addHooks(new FlagSpanHook());

    // Both keys must give every unit the same version, and the bundle of that version, before timing means anything.
    let canary = 0;
    for (let k = 0; k < 1024; k++) {
      const version = await direct.resolveStringEvaluation(PACK, 'x', contexts[k]);
      const bundle = await direct.resolveObjectEvaluation(CONTENT, {}, contexts[k]);
      const viaHelper = await getPrompt(client, PACK, contexts[k]);
      if (bundle.variant !== version.variant || bundle.value.version !== version.value)
        throw new Error(
          `${keys[k]}: ${version.variant} from the pack key, ${bundle.variant} from the companion`,
        );
      if (viaHelper.version !== version.variant) throw new Error(`getPrompt disagrees for ${keys[k]}`);
      if (version.variant === '2.4.0') canary++;
    }
    if (canary === 0) throw new Error('the split did not split');

    const inSpan = (evaluate) => {
      let i = 0;
      return async () => {
        const parent = tracer.startSpan('request');
        await context.with(trace.setSpan(ROOT_CONTEXT, parent), async () => {
          do_not_optimize(await evaluate(contexts[i++ & MASK]));
          tracer.startSpan('llm').end();
        });
        parent.end();
      };
    };
    const cases = [
      [
        "(a) provider `resolveStringEvaluation('support-prompts')`, direct",
        () => {
          let i = 0;
          return () => do_not_optimize(direct.resolveStringEvaluation(PACK, 'x', contexts[i++ & MASK]));
        },
      ],
      [
        "(a') provider `resolveObjectEvaluation('support-prompts.content')`, direct",
        () => {
          let i = 0;
          return () => do_not_optimize(direct.resolveObjectEvaluation(CONTENT, {}, contexts[i++ & MASK]));
        },
      ],
      [
        "(b) SDK `getStringValue('support-prompts')` + hook + processor, in a request span with a child",
        () => inSpan((ctx) => client.getStringValue(PACK, 'x', ctx)),
      ],
      [
        "(b') SDK `getObjectValue('support-prompts.content')` + hook + processor, the same",
        () => inSpan((ctx) => client.getObjectValue(CONTENT, {}, ctx)),
      ],
      [
        "(b'') `getPrompt(client, 'support-prompts', context)` + hook + processor, the same",
        () => inSpan((ctx) => getPrompt(client, PACK, ctx)),
      ],
    ];

    const samples = new Map(cases.map(([name]) => [name, []]));
    const loads = [];
    for (let run = 0; run < RUNS; run++) {
      for (const [name, build] of cases) {
        const stats = await measure(build(), { min_cpu_time: 300e6 });
        samples.get(name).push(stats.avg);
      }
      loads.push(loadAverage()[0]);
      console.error(`run ${run + 1}/${RUNS} done (load ${loads.at(-1).toFixed(2)})`);
    }

    const names = cases.map(([name]) => name);
    const ratio = (a, b) => median(samples.get(a).map((x, k) => x / samples.get(b)[k]));
    const ratios = {
      [names[1]]: ratio(names[1], names[0]),
      [names[3]]: ratio(names[3], names[2]),
      [names[4]]: ratio(names[4], names[2]),
    };
    const notes = {
      [names[1]]: `${ratios[names[1]].toFixed(2)}× (a)`,
      [names[3]]: `${ratios[names[3]].toFixed(2)}× (b)`,
      [names[4]]: `${ratios[names[4]].toFixed(2)}× (b)`,
    };
    const cell = (ns) => (ns >= 10_000 ? `${(ns / 1000).toFixed(1)} µs` : `${ns.toFixed(0)} ns`);
    const lines = [
      '| case | time/op (median) | min–max over runs | against the pack key (median of per-run ratios) |',
      '|---|---:|---:|---|',
    ];
    for (const name of names) {
      const runs = samples.get(name);
      lines.push(
        `| ${name} | ${cell(median(runs))} | ${cell(Math.min(...runs))}–${cell(Math.max(...runs))} | ${notes[name] ?? ''} |`,
      );
    }
    console.log(lines.join('\n'));
    console.log(
      `\n${machineLine(loads)}\n${RUNS} interleaved runs, mitata measure() mean per run; ${KEY_COUNT} targeting keys; ` +
        `${canary}/1024 units on 2.4.0 in the agreement check (both keys and getPrompt agree on every unit).`,
    );
    const over = Object.entries(ratios).filter(([, r]) => r >= 2);
    if (over.length > 0) {
      console.error(`over the 2× goal: ${over.map(([n, r]) => `${n} ${r.toFixed(2)}×`).join('; ')}`);
      process.exitCode = 1;
    }
  } finally {
    await OpenFeature.close();
    await tracing.shutdown();
    await daemon.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
