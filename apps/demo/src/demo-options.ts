import { parseArgs } from 'node:util';
import { parseDuration } from './scenario.js';

/** How the demo app runs: where canaryd is, which scenario, how much traffic. */
export interface DemoOptions {
  url: string;
  token: string;
  /** A built-in scenario name or a scenario file. */
  scenario: string;
  flagKey: string;
  stableVersion: string;
  timeScale: number;
  /** Overrides the scenario's rate. */
  requestsPerSecond: number | undefined;
  durationMs: number;
  maxRequests: number;
  /** Overrides the scenario's seed. */
  seed: number | undefined;
  statsIntervalMs: number;
  /** Run the demo's judge (the evaluation hook) on this loopback port; `undefined`: no judge. */
  evalPort: number | undefined;
  /** The judge's hook secret (env `CANARY_EVAL_SECRET`; required with `evalPort`). */
  evalSecret: string | undefined;
}

/** A command line the demo cannot run with; the message names the option. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The demo app's usage text. */
export const DEMO_USAGE = `Usage: prompt-canary-demo --token TOKEN [options]

  --url URL              canaryd (env CANARY_URL; default http://127.0.0.1:4000)
  --token TOKEN          a token with the evaluate and ingest scopes (env CANARY_TOKEN)
  --scenario NAME|FILE   success | regression | tradeoff | aa | quality, or a scenario file (default success)
  --flag KEY             the PromptPack to evaluate (default support-prompts)
  --stable-version V     the version the scenario's stable profile describes (default 2.3.1)
  --time-scale N         the daemon's time scale: scenario phases run N× faster (default 1)
  --rps N                requests per second (default: the scenario's)
  --duration D           stop after D of real time (default 10m)
  --requests N           stop after N requests (default 1000000)
  --seed N               the simulation's seed (default: the scenario's)
  --stats-interval D     how often to print counters (default 5s)
  --eval-port N          run the demo's judge, the pack's evaluation hook, on 127.0.0.1:N (0 picks a port);
                         its secret comes from CANARY_EVAL_SECRET
`;

function positiveNumber(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new UsageError(`--${name}: expected a positive number, got ${text}`);
  return value;
}

function duration(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0)
    throw new UsageError(`--${name}: expected a duration such as 30s, got ${text}`);
  return ms;
}

/**
 * Reads the demo's options from `argv` (without `node` and the script) and `env`.
 *
 * @throws UsageError naming the option.
 */
export function parseDemoOptions(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): DemoOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        url: { type: 'string' },
        token: { type: 'string' },
        scenario: { type: 'string' },
        flag: { type: 'string' },
        'stable-version': { type: 'string' },
        'time-scale': { type: 'string' },
        rps: { type: 'string' },
        duration: { type: 'string' },
        requests: { type: 'string' },
        seed: { type: 'string' },
        'stats-interval': { type: 'string' },
        'eval-port': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0] ?? 'invalid arguments');
  }
  const str = (name: string) => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  const token = str('token') ?? env.CANARY_TOKEN;
  if (token === undefined || token === '') throw new UsageError('--token (or CANARY_TOKEN) is required');
  const seedText = str('seed');
  const seed = seedText === undefined ? undefined : Number(seedText);
  if (seed !== undefined && !Number.isInteger(seed))
    throw new UsageError(`--seed: expected a whole number, got ${seedText}`);
  const evalPortText = str('eval-port');
  const evalPort = evalPortText === undefined ? undefined : Number(evalPortText);
  if (evalPort !== undefined && !(Number.isInteger(evalPort) && evalPort >= 0 && evalPort < 65536))
    throw new UsageError(`--eval-port: expected a port number, got ${evalPortText}`);
  const evalSecret = env.CANARY_EVAL_SECRET === '' ? undefined : env.CANARY_EVAL_SECRET;
  if (evalPort !== undefined && evalSecret === undefined)
    throw new UsageError('--eval-port needs CANARY_EVAL_SECRET (the hook secret in the pack)');
  return {
    url: (str('url') ?? env.CANARY_URL ?? 'http://127.0.0.1:4000').replace(/\/+$/, ''),
    token,
    scenario: str('scenario') ?? 'success',
    flagKey: str('flag') ?? 'support-prompts',
    stableVersion: str('stable-version') ?? '2.3.1',
    timeScale: positiveNumber('time-scale', str('time-scale')) ?? 1,
    requestsPerSecond: positiveNumber('rps', str('rps')),
    durationMs: duration('duration', str('duration'), 600_000),
    maxRequests: Math.floor(positiveNumber('requests', str('requests')) ?? 1_000_000),
    seed,
    statsIntervalMs: duration('stats-interval', str('stats-interval'), 5_000),
    evalPort,
    evalSecret,
  };
}
