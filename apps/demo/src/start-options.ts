import { parseArgs } from 'node:util';
import { UsageError } from './demo-options.js';
import { BUILT_IN_SCENARIOS } from './scenario.js';

/** How `pnpm start` runs. */
export interface StartOptions {
  /** A built-in scenario name or a scenario file. */
  scenario: string;
  /** Rollout durations run this many times faster (the daemon's `--time-scale`). */
  timeScale: number;
  /** The user's own daemon; `undefined` starts one. */
  url: string | undefined;
  /** An admin token for `url` (required with it). */
  token: string | undefined;
  /** A PromptPack file; `undefined` for the demo's own. */
  pack: string | undefined;
  /** The version applied first as stable on a daemon without the pack. */
  stableVersion: string;
  /** Delete a pack left by an earlier run; on by default for the launcher's own daemon. */
  reset: boolean;
  /** Leave the daemon running after the rollout ends, for the dashboard (until Ctrl-C). */
  keepRunning: boolean;
  /** Overrides the scenario's request rate. */
  requestsPerSecond: number | undefined;
  help: boolean;
}

/** `pnpm start --help`. */
export const START_USAGE = `Usage: pnpm start [-- options]

Starts canaryd, the demo support-agent app and its traffic, rolls prompt version 2.4.0 out over 2.3.1, and
follows the rollout until it ends.

  --scenario NAME|FILE  ${BUILT_IN_SCENARIOS.join(' | ')}, or a scenario file (default success)
  --time-scale N        rollout durations run N× faster (default 60: the rollout takes about a minute;
                        with --url, the time scale your daemon runs with, default 1)
  --url URL             use your own canaryd instead of starting one
  --token TOKEN         an admin token for --url (env CANARY_TOKEN)
  --pack FILE           roll out your own PromptPack (default apps/demo/packs/support-prompts.yaml)
  --stable VERSION      the version applied first as stable when the pack is new (default 2.3.1)
  --reset / --no-reset  delete the pack left by an earlier run first (default: on for the daemon started here)
  --keep-running        keep canaryd up after the rollout ends, for the dashboard (Ctrl-C stops)
  --rps N               requests per second of the demo traffic (default: the scenario's)

The daemon started here honours CANARYD_PORT (4000), CANARYD_HOST (127.0.0.1), CANARYD_DB (./data/canary.db),
CANARYD_ADMIN_TOKEN (generated and printed once when unset) and CANARYD_LOG_LEVEL.
Exit code: 0 the rollout completed, 3 it was rolled back, 1 an error, 130 interrupted.
`;

/**
 * Reads `pnpm start`'s options from `argv` (without `node` and the script) and `env`.
 *
 * @throws UsageError naming the option.
 */
export function parseStartOptions(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): StartOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      // `pnpm start -- --scenario x` passes the `--` through on some pnpm versions.
      args: argv.filter((arg) => arg !== '--'),
      options: {
        scenario: { type: 'string' },
        'time-scale': { type: 'string' },
        url: { type: 'string' },
        token: { type: 'string' },
        pack: { type: 'string' },
        stable: { type: 'string' },
        reset: { type: 'boolean' },
        'no-reset': { type: 'boolean' },
        'keep-running': { type: 'boolean' },
        rps: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0] ?? 'invalid arguments');
  }
  const str = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const url = str('url')?.replace(/\/+$/, '');
  const token = str('token') ?? (url === undefined ? undefined : env.CANARY_TOKEN);
  if (url !== undefined && (token === undefined || token === '')) {
    throw new UsageError('--url needs --token (or CANARY_TOKEN): an admin token of that daemon');
  }
  const number = (name: string) => {
    const text = str(name);
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0)
      throw new UsageError(`--${name}: expected a positive number, got ${text}`);
    return value;
  };
  return {
    scenario: str('scenario') ?? 'success',
    timeScale: number('time-scale') ?? (url === undefined ? 60 : 1),
    url,
    token,
    pack: str('pack'),
    stableVersion: str('stable') ?? '2.3.1',
    reset: values['no-reset'] === true ? false : values.reset === true || url === undefined,
    keepRunning: values['keep-running'] === true,
    requestsPerSecond: number('rps'),
    help: values.help === true,
  };
}
