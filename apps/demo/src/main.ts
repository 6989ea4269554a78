#!/usr/bin/env node
import { OpenFeature } from '@openfeature/server-sdk';
import { FlagSpanHook, PromptCanaryProvider } from '@prompt-canary/openfeature-provider';
import { AnswerLog } from './answer-log.js';
import { DemoJudge } from './demo-judge.js';
import { DEMO_USAGE, type DemoOptions, parseDemoOptions, UsageError } from './demo-options.js';
import { startDemoTelemetry } from './demo-telemetry.js';
import { loadScenario, ScenarioError } from './scenario.js';
import { SeededRandom } from './seeded-random.js';
import { SupportAgent } from './support-agent.js';
import { TrafficGenerator } from './traffic-generator.js';

/** One JSON line on stdout per event: what the launcher and the end-to-end tests read. */
function emit(event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ event, at: new Date().toISOString(), ...fields })}\n`);
}

function readOptions(): DemoOptions {
  try {
    if (process.argv.includes('--help')) {
      process.stdout.write(DEMO_USAGE);
      process.exit(0);
    }
    return parseDemoOptions(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`prompt-canary-demo: ${error.message}\n\n${DEMO_USAGE}`);
      process.exit(2);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const options = readOptions();
  const scenario = loadScenario(options.scenario);
  const telemetry = startDemoTelemetry({ url: options.url, token: options.token });
  OpenFeature.addHooks(new FlagSpanHook());
  await OpenFeature.setProviderAndWait(
    new PromptCanaryProvider({ baseUrl: options.url, token: options.token }),
  );
  const client = OpenFeature.getClient('support-agent-demo');

  // The judge reads the app's own answer log, as a real eval service reads its app's logs or trace store.
  const answers = options.evalPort === undefined ? undefined : new AnswerLog();
  let judge: DemoJudge | undefined;
  if (answers !== undefined && options.evalPort !== undefined && options.evalSecret !== undefined) {
    judge = new DemoJudge({
      log: answers,
      secret: options.evalSecret,
      url: options.url,
      token: options.token,
      onBatch: (batch) => emit('eval_batch', batch),
    });
    emit('judge', { hook: await judge.listen(options.evalPort) });
  }

  const startedAtMs = Date.now();
  // Whether the pack carries its prompts: asked once, outside any span, so no request span records the probe.
  const probe = await client.getObjectDetails(`${options.flagKey}.content`, {}, { targetingKey: 'probe' });
  const readsContent = probe.errorCode === undefined;
  emit('content', { readsContent });
  const agent = new SupportAgent({
    ...(answers === undefined ? {} : { answers }),
    client,
    tracer: telemetry.tracer,
    scenario,
    flagKey: options.flagKey,
    readsContent,
    stableVersion: options.stableVersion,
    timeScale: options.timeScale,
    startedAtMs,
  });
  const seed = options.seed ?? scenario.seed;
  const generator = new TrafficGenerator({
    traffic: scenario.traffic,
    requestsPerSecond: options.requestsPerSecond,
    maxRequests: options.maxRequests,
    durationMs: options.durationMs,
    random: new SeededRandom(seed),
    sessionPrefix: `s${seed}`,
    answer: (session) => agent.answer(session),
  });

  const timers = scenario.phases.map((phase) =>
    setTimeout(
      () =>
        emit('phase', { scenario: scenario.name, afterMs: phase.afterMs, description: phase.description }),
      phase.afterMs / options.timeScale,
    ),
  );
  const stats = setInterval(() => emit('stats', { ...generator.stats }), options.statsIntervalMs);
  const stop = () => generator.stop();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  emit('started', {
    scenario: scenario.name,
    seed,
    requestsPerSecond: options.requestsPerSecond ?? scenario.traffic.requestsPerSecond,
    timeScale: options.timeScale,
    url: options.url,
    instance: telemetry.instanceId,
  });
  const totals = await generator.run();
  for (const timer of timers) clearTimeout(timer);
  clearInterval(stats);
  // Telemetry never breaks the host: a daemon already gone costs the last batch, not the exit code.
  await OpenFeature.close().catch(() => {}); // flushes tracking events
  await telemetry.shutdown().catch(() => {}); // flushes spans
  await judge?.close();
  emit('stopped', { ...totals });
}

main().catch((error: unknown) => {
  const message = error instanceof ScenarioError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`prompt-canary-demo: ${message}\n`);
  process.exit(1);
});
