import { parseArgs } from 'node:util';
import { z } from 'zod';

/** Shortest `CANARYD_ADMIN_TOKEN` accepted. */
export const MIN_ADMIN_TOKEN_LENGTH = 16;

/** How `canaryd` is configured: command-line flags over `CANARYD_*` environment variables over defaults. */
export interface DaemonConfig {
  host: string;
  port: number;
  db: string;
  timeScale: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  adminToken: string | undefined;
  /**
   * SQLite's `synchronous` setting. `normal` (the default, in WAL mode) syncs the log only at checkpoints: a power
   * loss or OS crash can drop the last transactions acknowledged since (a process crash loses nothing). `full` syncs
   * the log at every commit: nothing acknowledged is lost to a power loss, at the cost of one fsync per commit.
   */
  synchronous: 'normal' | 'full';
  /** How long a write waits for a lock held by another connection (a backup, a second process) before failing. */
  busyTimeoutMs: number;
  /**
   * How long the rollout controller's lease lasts without renewal, on PostgreSQL (ms): replicas elect one leader,
   * and when it dies another takes over within about this long. Unused on SQLite, where the one daemon leads.
   */
  leaderLeaseMs: number;
}

/** A configuration that cannot start the daemon; `message` is one line naming the setting. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const configSchema = z.strictObject({
  host: z.string().min(1, { message: 'must not be empty' }),
  port: z.coerce
    .number({ message: 'must be a number' })
    .int({ message: 'must be a whole number' })
    .min(0, { message: 'must be between 0 and 65535' })
    .max(65535, { message: 'must be between 0 and 65535' }),
  db: z.string().min(1, { message: 'must not be empty' }),
  timeScale: z.coerce
    .number({ message: 'must be a number' })
    .refine((n) => Number.isFinite(n) && n > 0, { message: 'must be a positive number' }),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    message: 'must be one of fatal, error, warn, info, debug, trace, silent',
  }),
  adminToken: z
    .string()
    .min(MIN_ADMIN_TOKEN_LENGTH, { message: `must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters` })
    .optional(),
  synchronous: z.enum(['normal', 'full'], { message: 'must be normal or full' }),
  busyTimeoutMs: z.coerce
    .number({ message: 'must be a number' })
    .int({ message: 'must be a whole number of milliseconds' })
    .min(0, { message: 'must be between 0 and 60000' })
    .max(60_000, { message: 'must be between 0 and 60000' }),
  leaderLeaseMs: z.coerce
    .number({ message: 'must be a number' })
    .int({ message: 'must be a whole number of milliseconds' })
    .min(300, { message: 'must be between 300 and 600000' })
    .max(600_000, { message: 'must be between 300 and 600000' }),
});

const SETTING_NAMES: Record<keyof DaemonConfig, string> = {
  host: '--host / CANARYD_HOST',
  port: '--port / CANARYD_PORT',
  db: '--db / CANARYD_DB',
  timeScale: '--time-scale / CANARYD_TIME_SCALE',
  logLevel: 'CANARYD_LOG_LEVEL',
  adminToken: 'CANARYD_ADMIN_TOKEN',
  synchronous: '--synchronous / CANARYD_SYNCHRONOUS',
  busyTimeoutMs: '--busy-timeout-ms / CANARYD_BUSY_TIMEOUT_MS',
  leaderLeaseMs: '--leader-lease-ms / CANARYD_LEADER_LEASE_MS',
};

/**
 * Reads the configuration from `argv` (without `node` and the script) and `env`.
 *
 * @throws ConfigError with one line saying which setting is wrong and why.
 * @example
 * parseDaemonConfig(['--port', '4000', '--db', ':memory:'], process.env);
 */
export function parseDaemonConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): DaemonConfig {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        db: { type: 'string' },
        'time-scale': { type: 'string' },
        synchronous: { type: 'string' },
        'busy-timeout-ms': { type: 'string' },
        'leader-lease-ms': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new ConfigError((error as Error).message.split('\n')[0] ?? 'invalid arguments');
  }
  const blankToUndefined = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v);
  const raw = {
    host: values.host ?? blankToUndefined(env.CANARYD_HOST) ?? '0.0.0.0',
    port: values.port ?? blankToUndefined(env.CANARYD_PORT) ?? '4000',
    db: values.db ?? blankToUndefined(env.CANARYD_DB) ?? './data/canary.db',
    timeScale: values['time-scale'] ?? blankToUndefined(env.CANARYD_TIME_SCALE) ?? '1',
    logLevel: blankToUndefined(env.CANARYD_LOG_LEVEL)?.toLowerCase() ?? 'info',
    adminToken: env.CANARYD_ADMIN_TOKEN === '' ? undefined : env.CANARYD_ADMIN_TOKEN,
    synchronous: String(
      values.synchronous ?? blankToUndefined(env.CANARYD_SYNCHRONOUS) ?? 'normal',
    ).toLowerCase(),
    busyTimeoutMs: values['busy-timeout-ms'] ?? blankToUndefined(env.CANARYD_BUSY_TIMEOUT_MS) ?? '5000',
    leaderLeaseMs: values['leader-lease-ms'] ?? blankToUndefined(env.CANARYD_LEADER_LEASE_MS) ?? '15000',
  };
  for (const key of ['port', 'timeScale', 'busyTimeoutMs', 'leaderLeaseMs'] as const) {
    if (typeof raw[key] === 'string' && raw[key].trim() === '') raw[key] = 'x';
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue?.path[0] as keyof DaemonConfig | undefined;
    const name = field ? SETTING_NAMES[field] : 'configuration';
    throw new ConfigError(`${name}: ${issue?.message ?? 'invalid'}`);
  }
  return { ...result.data, adminToken: result.data.adminToken };
}
