#!/usr/bin/env node
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CanaryApi, type RolloutSummary } from './canary-api.js';
import { JUDGE_EVALUATOR } from './demo-judge.js';
import { UsageError } from './demo-options.js';
import { ManagedProcess } from './managed-process.js';
import { type OwnDaemon, startOwnDaemon } from './own-daemon.js';
import { preparePack, readPackFile, withEvaluation } from './pack-setup.js';
import { describeRollout, followRollout } from './rollout-follower.js';
import { loadScenario } from './scenario.js';
import { parseStartOptions, START_USAGE, type StartOptions } from './start-options.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');
const DAEMON_SCRIPT = join(repoRoot, 'apps/daemon/dist/main.js');
const CLI_SCRIPT = join(repoRoot, 'apps/cli/dist/main.js');
const DEMO_SCRIPT = join(here, 'main.js');
const DEFAULT_PACK = resolve(here, '../packs/support-prompts.yaml');
/** The app token the demo creates (evaluate + ingest); replaced on every run. */
const APP_TOKEN_NAME = 'demo-app';

const EXIT_ROLLED_BACK = 3;
const EXIT_INTERRUPTED = 130;

const say = (line = '') => process.stdout.write(`${line}\n`);
const bold = (text: string) => (process.stdout.isTTY ? `\u001b[1m${text}\u001b[22m` : text);

function readOptions(): StartOptions {
  try {
    return parseStartOptions(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`pnpm start: ${error.message}\n\n${START_USAGE}`);
    process.exit(2);
  }
}

/** Renders the demo app's JSON event lines for people; counters stay quiet (the watch shows the metrics). */
function showDemoLine(line: string): void {
  try {
    const event = JSON.parse(line) as Record<string, unknown>;
    if (event.event === 'started') {
      say(`demo: scenario ${event.scenario}, ${event.requestsPerSecond} requests/s, seed ${event.seed}`);
    } else if (event.event === 'phase') {
      say(`demo: ${event.description}`);
    } else if (event.event === 'judge') {
      say(`demo: the judge scores sampled traffic at ${event.hook}`);
    }
  } catch {
    say(`demo: ${line}`);
  }
}

/** A free TCP port on loopback, for the demo's judge (the pack names its URL before the demo app starts). */
async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

async function run(options: StartOptions, signal: AbortSignal, children: ManagedProcess[]): Promise<number> {
  const scenario = loadScenario(options.scenario); // fail on a bad scenario before starting anything
  const packPath = options.pack ? resolve(options.pack) : DEFAULT_PACK;
  let pack = readPackFile(readFileSync(packPath, 'utf8'));
  // A scenario with evals points the pack's evaluation hook at the demo's judge, with a secret made for this run.
  const judge =
    scenario.evals === undefined
      ? undefined
      : { port: await freePort(), secret: randomBytes(16).toString('hex'), ...scenario.evals };
  if (judge !== undefined) {
    const text = withEvaluation(pack.text, {
      url: `http://127.0.0.1:${judge.port}/score`,
      secret: judge.secret,
      everyMs: judge.everyMs,
      sample: judge.sample,
      timeoutMs: judge.timeoutMs,
      maxDecrease: judge.maxDecrease,
      evaluator: JUDGE_EVALUATOR,
    });
    pack = { ...pack, text };
  }

  let url: string;
  let adminToken: string;
  let daemon: OwnDaemon | undefined;
  if (options.url !== undefined && options.token !== undefined) {
    url = options.url;
    adminToken = options.token;
  } else {
    if (!existsSync(DAEMON_SCRIPT)) throw new Error(`${DAEMON_SCRIPT} is missing: run pnpm build first`);
    daemon = await startOwnDaemon({
      script: DAEMON_SCRIPT,
      timeScale: options.timeScale,
      env: process.env,
      onStderrLine: (line) => process.stderr.write(`${line}\n`),
    });
    children.push(daemon.process);
    ({ url, adminToken } = daemon);
  }
  if (signal.aborted) return EXIT_INTERRUPTED;

  const api = new CanaryApi(url, adminToken);
  await api.deleteToken(APP_TOKEN_NAME);
  const app = await api.createToken(APP_TOKEN_NAME, ['evaluate', 'ingest']);
  const prepared = await preparePack(api, pack, {
    stableVersion: options.stableVersion,
    reset: options.reset,
    log: (line) => say(line),
  });
  const rollout = prepared.rollout;

  const demo = ManagedProcess.start({
    script: DEMO_SCRIPT,
    args: [
      '--url',
      url,
      '--scenario',
      options.scenario,
      '--flag',
      pack.name,
      '--stable-version',
      prepared.stableVersion,
      '--time-scale',
      String(options.timeScale),
      '--duration',
      '2h',
      ...(options.requestsPerSecond === undefined ? [] : ['--rps', String(options.requestsPerSecond)]),
      ...(judge === undefined ? [] : ['--eval-port', String(judge.port)]),
    ],
    env: { CANARY_TOKEN: app.token, ...(judge === undefined ? {} : { CANARY_EVAL_SECRET: judge.secret }) },
    onStdoutLine: showDemoLine,
    onStderrLine: (line) => process.stderr.write(`demo: ${line}\n`),
  });
  children.push(demo);

  say();
  say(`${bold(`Prompt Canary demo: ${scenario.name}`)} (${scenario.description})`);
  say(`  canaryd     ${url}${daemon ? `  (time scale ${options.timeScale}×, log ${daemon.logPath})` : ''}`);
  say(`  dashboard   ${url}/ui`);
  say(`  OFREP       ${url}/ofrep/v1/evaluate/flags/${pack.name}`);
  say(`  rollout     ${pack.name} ${rollout.stableVersion} → ${rollout.canaryVersion} (${rollout.id})`);
  if (daemon?.generatedToken) {
    say(`  admin token ${daemon.adminToken}`);
    say(
      '              shown once: sign in to the dashboard with it; set CANARYD_ADMIN_TOKEN to choose your own',
    );
  }
  say(`  stop        Ctrl-C`);
  say();

  const watcher = existsSync(CLI_SCRIPT)
    ? ManagedProcess.start({
        script: CLI_SCRIPT,
        args: ['watch', pack.name, '--url', url],
        env: { CANARY_TOKEN: adminToken, ...(process.stdout.isTTY ? { FORCE_COLOR: '1' } : {}) },
        onStdoutLine: (line) => say(line),
        onStderrLine: (line) => process.stderr.write(`${line}\n`),
      })
    : undefined;
  if (watcher) children.push(watcher);

  let hinted = false;
  const final: RolloutSummary = await followRollout(api, rollout.id, {
    signal,
    onChange: (r) => {
      if (!watcher) say(`${new Date().toISOString().slice(11, 19)}  ${describeRollout(r)}`);
      if (r.phase === 'Paused' && !hinted) {
        hinted = true;
        say(
          `The rollout is paused${r.reason ? ` (${r.reason})` : ''}: resume or roll it back in the dashboard, ` +
            `or with \`pnpm canary resume|rollback ${pack.name}\`. Ctrl-C ends the demo.`,
        );
      }
    },
  });
  if (watcher) await Promise.race([watcher.exited, new Promise((r) => setTimeout(r, 3_000))]);
  if (signal.aborted) return EXIT_INTERRUPTED;
  await demo.stop();

  say();
  say(
    final.phase === 'Completed'
      ? bold(`Rollout completed: ${pack.name} ${final.canaryVersion} is the stable version.`)
      : bold(`Rollout rolled back: ${final.reason}`),
  );
  if (options.keepRunning && daemon) {
    say(
      `canaryd keeps running at ${url} (dashboard ${url}/ui); Ctrl-C stops it. To try next, in another terminal:`,
    );
    say(`  export CANARY_URL=${url} CANARY_TOKEN=<the admin token>`);
    say(`  pnpm canary history ${pack.name}                  # every transition with its reason`);
    say(
      `  pnpm canary diff ${pack.name}                     # what the canary changes: prompts, model, attributes`,
    );
    say('  pnpm canary apply -f examples/prompts.yaml --dry-run   # what applying a pack would do');
    say('  more in README.md ("A five-minute tour") and examples/README.md');
    await new Promise<void>((resolveWait) => signal.addEventListener('abort', () => resolveWait()));
  }
  return final.phase === 'Completed' ? 0 : EXIT_ROLLED_BACK;
}

async function main(): Promise<void> {
  const options = readOptions();
  if (options.help) {
    process.stdout.write(START_USAGE);
    return;
  }
  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const children: ManagedProcess[] = [];
  let code: number;
  try {
    code = await run(options, interrupt.signal, children);
  } catch (error) {
    process.stderr.write(`pnpm start: ${error instanceof Error ? error.message : String(error)}\n`);
    code = 1;
  } finally {
    // Last started, first stopped: the watch and the demo app before the daemon they talk to.
    for (const child of children.reverse()) await child.stop();
  }
  if (interrupt.signal.aborted) code = EXIT_INTERRUPTED;
  process.exit(code);
}

void main();
