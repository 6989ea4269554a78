// Provider benchmark, in one process and one interleaved run:
//   (i)   PromptCanaryProvider.resolveStringEvaluation called directly (offline, from a bootstrap config)
//   (ii)  bare compileFlagSet(...).evaluate(...) of @prompt-canary/rules: the floor for (i)
//   (iii) FlagSpanHook + FlagSpanProcessor overhead per evaluation with a real OTel SDK (BasicTracerProvider 2.x,
//         a no-op exporter): a request span with one evaluation and one child (LLM) span, with vs without them;
//         once on the hook and processor alone (synchronous, the least noisy) and once through the OpenFeature SDK
//   (iv)  getStringValue through the OpenFeature SDK with our provider
//   (v)   the same with the SDK's InMemoryProvider (a static flag: the SDK's own cost)
//   (vi)  the same with @openfeature/ofrep-provider 0.1.3 against a local canaryd (one HTTP request per call)
// Prints a Markdown table for docs/benchmarks.md.
//
//   pnpm --filter @prompt-canary/bench run provider     (expects packages/*/dist and apps/daemon/dist built)
//   BENCH_RUNS=7 pnpm --filter @prompt-canary/bench run provider

import { OFREPProvider } from '@openfeature/ofrep-provider';
import { InMemoryProvider, OpenFeature } from '@openfeature/server-sdk';
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  FlagSpanHook,
  FlagSpanProcessor,
  featureFlagAttributes,
  PromptCanaryProvider,
} from '@prompt-canary/openfeature-provider';
import { compileFlagSet } from '@prompt-canary/rules';
import { do_not_optimize, measure } from 'mitata';
import { createToken, splitFlag, startDaemon } from './lib/daemon-process.js';
import { loadAverage, machineLine, median } from './lib/machine.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const KEY_COUNT = 4096;
const MASK = KEY_COUNT - 1;
const FLAG_KEY = 'support-prompts';
const keys = Array.from({ length: KEY_COUNT }, (_, i) => `user-${((i * 2654435761) >>> 0).toString(36)}`);
const contexts = keys.map((targetingKey) => ({ targetingKey, plan: 'pro' }));

const flag = splitFlag(FLAG_KEY);
const config = { schemaVersion: 1, revision: 7, flags: { [FLAG_KEY]: flag } };

// ── OpenTelemetry: two tracer providers, with and without our processor, both with a no-op exporter ─────────────
const noopExporter = {
  export: (_spans, done) => done({ code: 0 }),
  shutdown: () => Promise.resolve(),
  forceFlush: () => Promise.resolve(),
};
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const withTracing = new BasicTracerProvider({
  spanProcessors: [new FlagSpanProcessor(), new SimpleSpanProcessor(noopExporter)],
});
const withoutTracing = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(noopExporter)] });
const tracerWith = withTracing.getTracer('bench');
const tracerWithout = withoutTracing.getTracer('bench');

async function main() {
  const daemon = await startDaemon();
  try {
    await daemon.api('PUT', `/api/v1/flags/${FLAG_KEY}`, flag);
    const token = await createToken(daemon.api, 'bench-provider', ['evaluate']);

    const rules = compileFlagSet(config.flags);
    const makeProvider = async () => {
      const provider = new PromptCanaryProvider({ offline: true, bootstrap: config, tracking: false });
      return provider;
    };
    const direct = await makeProvider();
    await direct.initialize();

    await OpenFeature.setProviderAndWait('ours', await makeProvider());
    await OpenFeature.setProviderAndWait('ours-hooked', await makeProvider());
    await OpenFeature.setProviderAndWait(
      'in-memory',
      new InMemoryProvider({
        [FLAG_KEY]: {
          variants: { stable: '2.3.0', canary: '2.4.0' },
          defaultVariant: 'stable',
          disabled: false,
        },
      }),
    );
    await OpenFeature.setProviderAndWait(
      'ofrep',
      new OFREPProvider({ baseUrl: daemon.baseUrl, headers: [['Authorization', `Bearer ${token}`]] }),
    );
    const ours = OpenFeature.getClient('ours');
    const hooked = OpenFeature.getClient('ours-hooked');
    hooked.addHooks(new FlagSpanHook());
    const inMemory = OpenFeature.getClient('in-memory');
    const ofrep = OpenFeature.getClient('ofrep');

    // Every path must agree on the variant before any timing means anything.
    let canary = 0;
    for (let k = 0; k < 256; k++) {
      const expected = rules.evaluate(FLAG_KEY, contexts[k], Date.now());
      const viaProvider = await direct.resolveStringEvaluation(FLAG_KEY, 'fallback', contexts[k]);
      const viaSdk = await ours.getStringDetails(FLAG_KEY, 'fallback', contexts[k]);
      const viaOfrep = await ofrep.getStringDetails(FLAG_KEY, 'fallback', contexts[k]);
      for (const [name, got] of [
        ['provider', viaProvider],
        ['sdk', viaSdk],
        ['ofrep', viaOfrep],
      ]) {
        if (got.variant !== expected.variant || got.value !== expected.value)
          throw new Error(`${name}: ${keys[k]} → ${got.variant}/${got.value}, rules ${expected.variant}`);
      }
      if (expected.variant === 'canary') canary++;
    }
    if (canary === 0) throw new Error('the split did not split');

    // The hook's spans must carry what the analyzer reads, and the child must inherit it.
    const probe = tracerWith.startSpan('request');
    await context.with(trace.setSpan(ROOT_CONTEXT, probe), async () => {
      await hooked.getStringValue(FLAG_KEY, 'fallback', contexts[0]);
      const child = tracerWith.startSpan('llm');
      if (child.attributes['feature_flag.key'] !== FLAG_KEY)
        throw new Error(`child span did not inherit the flag: ${JSON.stringify(child.attributes)}`);
      child.end();
    });
    if (probe.events.length !== 1 || probe.attributes['feature_flag.result.variant'] === undefined)
      throw new Error('the hook did not stamp the request span');
    probe.end();

    // Details the hook sees for the synchronous hook measurement, as the SDK builds them.
    const hookDetails = await ours.getStringDetails(FLAG_KEY, 'fallback', contexts[0]);
    const hookContext = {
      flagKey: FLAG_KEY,
      defaultValue: 'fallback',
      flagValueType: 'string',
      context: contexts[0],
      clientMetadata: { domain: 'ours-hooked', providerMetadata: { name: 'prompt-canary' } },
      providerMetadata: { name: 'prompt-canary' },
      logger: console,
    };
    const hook = new FlagSpanHook();
    // The floor of (iii): the SDK calls the hook and the processor cannot avoid, with prebuilt attributes.
    const floorAttributes = Object.freeze(featureFlagAttributes(hookContext, hookDetails));
    const floorInherited = Object.freeze({ ...floorAttributes, 'feature_flag.inherited': true });

    const cases = [
      [
        '(ii) rules `compileFlagSet().evaluate()` (floor)',
        () => {
          let i = 0;
          return () => do_not_optimize(rules.evaluate(FLAG_KEY, contexts[i++ & MASK], Date.now()));
        },
      ],
      [
        '(i) provider `resolveStringEvaluation()`, called directly',
        () => {
          let i = 0;
          return () => {
            // The promise is not awaited: the work is synchronous, and awaiting measures the event loop.
            do_not_optimize(direct.resolveStringEvaluation(FLAG_KEY, 'fallback', contexts[i++ & MASK]));
          };
        },
      ],
      [
        '(iii-a) request span + child span, no hook, no processor',
        () => () => {
          const parent = tracerWithout.startSpan('request');
          context.with(trace.setSpan(ROOT_CONTEXT, parent), () => {
            tracerWithout.startSpan('llm').end();
          });
          parent.end();
        },
      ],
      [
        '(iii-a) the same + `FlagSpanHook.finally` only',
        () => () => {
          const parent = tracerWithout.startSpan('request');
          context.with(trace.setSpan(ROOT_CONTEXT, parent), () => {
            hook.finally(hookContext, hookDetails);
            tracerWithout.startSpan('llm').end();
          });
          parent.end();
        },
      ],
      [
        '(iii-a) the same + `FlagSpanHook.finally` + `FlagSpanProcessor`',
        () => () => {
          const parent = tracerWith.startSpan('request');
          context.with(trace.setSpan(ROOT_CONTEXT, parent), () => {
            hook.finally(hookContext, hookDetails);
            tracerWith.startSpan('llm').end();
          });
          parent.end();
        },
      ],
      [
        '(iii-b) SDK `getStringValue` in a request span + child span, no hook, no processor',
        () => {
          let i = 0;
          return async () => {
            const parent = tracerWithout.startSpan('request');
            await context.with(trace.setSpan(ROOT_CONTEXT, parent), async () => {
              do_not_optimize(await ours.getStringValue(FLAG_KEY, 'fallback', contexts[i++ & MASK]));
              tracerWithout.startSpan('llm').end();
            });
            parent.end();
          };
        },
      ],
      [
        '(iii-b) the same with the hook and the processor',
        () => {
          let i = 0;
          return async () => {
            const parent = tracerWith.startSpan('request');
            await context.with(trace.setSpan(ROOT_CONTEXT, parent), async () => {
              do_not_optimize(await hooked.getStringValue(FLAG_KEY, 'fallback', contexts[i++ & MASK]));
              tracerWith.startSpan('llm').end();
            });
            parent.end();
          };
        },
      ],
      [
        '(iv) SDK `getStringValue`, our provider',
        () => {
          let i = 0;
          return async () =>
            do_not_optimize(await ours.getStringValue(FLAG_KEY, 'fallback', contexts[i++ & MASK]));
        },
      ],
      [
        '(v) SDK `getStringValue`, `InMemoryProvider` (static flag)',
        () => {
          let i = 0;
          return async () =>
            do_not_optimize(await inMemory.getStringValue(FLAG_KEY, 'fallback', contexts[i++ & MASK]));
        },
      ],
      [
        '(vi) SDK `getStringValue`, `OFREPProvider` 0.1.3 → local canaryd',
        () => {
          let i = 0;
          return async () =>
            do_not_optimize(await ofrep.getStringValue(FLAG_KEY, 'fallback', contexts[i++ & MASK]));
        },
      ],
      [
        '(iii-floor) request + child span, bare `setAttributes` + `addEvent` of the same prebuilt attributes on the request span',
        () => () => {
          const parent = tracerWithout.startSpan('request');
          context.with(trace.setSpan(ROOT_CONTEXT, parent), () => {
            parent.setAttributes(floorAttributes);
            parent.addEvent('feature_flag.evaluation', floorAttributes);
            tracerWithout.startSpan('llm').end();
          });
          parent.end();
        },
      ],
      [
        "(iii-floor) the same + the child's `addEvent` + `setAttributes` (what hook + processor must do at least)",
        () => () => {
          const parent = tracerWithout.startSpan('request');
          context.with(trace.setSpan(ROOT_CONTEXT, parent), () => {
            parent.setAttributes(floorAttributes);
            parent.addEvent('feature_flag.evaluation', floorAttributes);
            const child = tracerWithout.startSpan('llm');
            child.addEvent('feature_flag.evaluation', floorInherited);
            child.setAttributes(floorInherited);
            child.end();
          });
          parent.end();
        },
      ],
    ];

    // Interleaved runs: every case once per round, so drift on a shared machine hits all cases alike.
    const samples = new Map(cases.map(([name]) => [name, []]));
    const loads = [];
    for (let run = 0; run < RUNS; run++) {
      for (const [name, make] of cases) {
        const stats = await measure(make(), { min_cpu_time: 300e6 });
        samples.get(name).push(stats.avg);
      }
      loads.push(loadAverage()[0]);
      console.error(`run ${run + 1}/${RUNS} done (load ${loads.at(-1).toFixed(2)})`);
    }

    const names = cases.map(([name]) => name);
    const perRun = (a, b, op) => samples.get(a).map((x, k) => op(x, samples.get(b)[k]));
    const ratioProvider = median(perRun(names[1], names[0], (x, y) => x / y));
    const hookOnly = median(perRun(names[3], names[2], (x, y) => x - y));
    const hookDirect = median(perRun(names[4], names[2], (x, y) => x - y));
    const hookSdk = median(perRun(names[6], names[5], (x, y) => x - y));
    const floorHook = median(perRun(names.at(-2), names[2], (x, y) => x - y));
    const floorBoth = median(perRun(names.at(-1), names[2], (x, y) => x - y));
    const us = (ns) => `${ns >= 0 ? '+' : '−'}${(Math.abs(ns) / 1000).toFixed(2)} µs`;
    const notes = {
      [names[1]]: `${ratioProvider.toFixed(2)}× (ii)`,
      [names[3]]: `${us(hookOnly)} over the no-hook line (the hook's share)`,
      [names[4]]: `**${us(hookDirect)}** over the no-hook line (hook + processor)`,
      [names[6]]: `**${us(hookSdk)}** over the line above`,
      [names.at(-2)]: `${us(floorHook)} over the no-hook line (floor of the hook's share)`,
      [names.at(-1)]: `${us(floorBoth)} over the no-hook line (floor of hook + processor)`,
    };
    const cell = (ns) => (ns >= 10_000 ? `${(ns / 1000).toFixed(1)} µs` : `${ns.toFixed(0)} ns`);
    const lines = [
      '| case | time/op (median) | min–max over runs | note (median of per-run figures) |',
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
        `${canary}/256 canary in the agreement check (rules, provider, SDK and OFREP agree on every key).`,
    );
  } finally {
    await OpenFeature.close();
    await withTracing.shutdown();
    await withoutTracing.shutdown();
    await daemon.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
