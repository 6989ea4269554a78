#!/usr/bin/env node
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { type Logger, pino } from 'pino';
import { Counter } from 'prom-client';
import { createApp } from './app.js';
import type { ChangeFeed } from './changes/change-feed.js';
import { ClusterChangeFeed } from './changes/cluster-change-feed.js';
import { PgChangeWire } from './changes/pg-change-wire.js';
import { SystemClock } from './clock/clock.js';
import type { Leadership } from './controller/leadership.js';
import { PgLeaseLeadership } from './controller/pg-lease-leadership.js';
import { PostgresLeaseFence } from './controller/postgres-lease-fence.js';
import { openDatabase } from './db/database.js';
import { createDaemonMetrics, type DaemonMetrics } from './ops/daemon-metrics.js';
import { logRedaction } from './security/log-redaction.js';
import { ConfigError, type DaemonConfig, parseDaemonConfig } from './settings/daemon-config.js';
import { parseLimitSettings } from './settings/limit-settings.js';
import { defaultSettings, type Settings } from './settings/settings.js';
import { PostgresStore } from './store/postgres-store.js';
import { SqliteStore } from './store/sqlite-store.js';
import type { Store } from './store/store.js';
import { createFirstAdminToken, ensureAdminToken } from './tokens/bootstrap-tokens.js';

/** How long shutdown waits for in-flight requests before closing their connections. */
const SHUTDOWN_GRACE_MS = 10_000;

function fail(message: string, code: number): never {
  process.stderr.write(`canaryd: ${message}\n`);
  process.exit(code);
}

function readConfig(): DaemonConfig & { settings: Partial<Settings> } {
  try {
    return {
      ...parseDaemonConfig(process.argv.slice(2), process.env),
      settings: parseLimitSettings(process.env),
    };
  } catch (error) {
    if (error instanceof ConfigError) fail(`invalid configuration: ${error.message}`, 2);
    throw error;
  }
}

/** Whether `--db` names a PostgreSQL server rather than a SQLite file. */
function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

/** The database as logs show it: a PostgreSQL URL without its password. */
function describeDb(db: string): string {
  if (!isPostgresUrl(db)) return db;
  try {
    const url = new URL(db);
    if (url.password !== '') url.password = '***';
    for (const key of [...url.searchParams.keys()]) if (/pass/i.test(key)) url.searchParams.set(key, '***');
    return url.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

function open(
  config: DaemonConfig & { settings: Partial<Settings> },
  clock: SystemClock,
): { store: Store; close: () => void } {
  const path = config.db;
  const { settings } = config;
  const traceJoin = {
    ...(settings.traceJoinHours === undefined ? {} : { maxAgeMs: settings.traceJoinHours * 3_600_000 }),
    ...(settings.traceJoinMaxRows === undefined ? {} : { maxRows: settings.traceJoinMaxRows }),
  };
  if (isPostgresUrl(path)) {
    try {
      const store = PostgresStore.open(path, { now: () => clock.now(), traceJoin });
      return { store, close: () => store.close() };
    } catch (error) {
      return fail(`cannot open database ${describeDb(path)}: ${(error as Error).message}`, 2);
    }
  }
  try {
    const db = openDatabase(path, { synchronous: config.synchronous, busyTimeoutMs: config.busyTimeoutMs });
    return { store: new SqliteStore(db, { now: () => clock.now(), traceJoin }), close: () => db.close() };
  } catch (error) {
    return fail(`cannot open database ${path}: ${(error as Error).message}`, 2);
  }
}

/** What a replica on PostgreSQL adds: the change feed across replicas and the controller's lease. */
interface ReplicaParts {
  feed: ChangeFeed;
  leadership: Leadership;
  start(): Promise<void>;
  close(): Promise<void>;
}

function replicaParts(
  url: string,
  store: PostgresStore,
  config: DaemonConfig,
  logger: Logger,
  metrics: DaemonMetrics,
): ReplicaParts {
  const errors = new Counter({
    name: 'canaryd_replica_errors_total',
    help: 'Errors of the replica machinery: feed (a catch-up read failed), wire (the notification connection dropped), lease (a lease renewal failed)',
    labelNames: ['part'],
    registers: [metrics.registry],
  });
  const report = (part: 'feed' | 'wire' | 'lease', message: string) => (err: unknown) => {
    errors.inc({ part });
    logger.warn({ err }, message);
  };
  const feed = new ClusterChangeFeed({
    source: store.audit,
    wire: new PgChangeWire({
      connectionString: url,
      onError: report('wire', 'change notifications lost; reconnecting'),
    }),
    now: () => Date.now(),
    setTimer: (ms, fn) => {
      const handle = setTimeout(fn, ms);
      handle.unref();
      return () => clearTimeout(handle);
    },
    onListenerError: (err) => logger.error({ err }, 'change listener failed'),
    onCatchUpError: report('feed', 'reading changes of other replicas failed; retrying on the next signal'),
  });
  const leadership = new PgLeaseLeadership({
    connectionString: url,
    fence: new PostgresLeaseFence(store.connection),
    ttlMs: config.leaderLeaseMs,
    onError: report('lease', 'controller lease renewal failed'),
    onTransition: (leader, epoch) =>
      logger.info({ leader, epoch }, leader ? 'leading: this replica runs the controller' : 'following'),
  });
  return {
    feed,
    leadership,
    async start() {
      feed.start();
      await leadership.start();
    },
    async close() {
      await leadership.close();
      await feed.close();
    },
  };
}

const USAGE = `Usage: canaryd [--host 0.0.0.0] [--port 4000] [--db ./data/canary.db | postgres://…] [--time-scale 1]

The Prompt Canary daemon. Every flag has an environment variable (CANARYD_HOST, CANARYD_PORT, CANARYD_DB,
CANARYD_TIME_SCALE); CANARYD_ADMIN_TOKEN sets the admin token, CANARYD_LOG_LEVEL the log level. A --db of the form
postgres://user@host/database runs on PostgreSQL instead of a SQLite file.
`;

async function main(): Promise<void> {
  // The two informational flags are answered before any configuration is read or file opened.
  const [only, ...rest] = process.argv.slice(2);
  if (rest.length === 0 && (only === '--version' || only === '-v')) {
    process.stdout.write(`${defaultSettings.version}\n`);
    return;
  }
  if (rest.length === 0 && (only === '--help' || only === '-h')) {
    process.stdout.write(USAGE);
    return;
  }
  const config = readConfig();
  const logger = pino({ level: config.logLevel, base: { service: 'canaryd' }, redact: logRedaction });
  const clock = new SystemClock(config.timeScale);
  const { store, close } = open(config, clock);
  const metrics = createDaemonMetrics({ processMetrics: true });
  const replica =
    store instanceof PostgresStore ? replicaParts(config.db, store, config, logger, metrics) : undefined;
  const daemon = createApp({
    store,
    clock,
    logger,
    metrics,
    settings: config.settings,
    ...(replica === undefined ? {} : { feed: replica.feed, leadership: replica.leadership }),
  });
  // The feed starts from what the app has just read; the controller waits for the lease, which is competed for in
  // the background (a slow database delays leadership, never the replica's readiness to serve).
  void replica?.start();

  if (config.adminToken !== undefined) {
    ensureAdminToken(daemon.ctx, config.adminToken);
  } else {
    const token = createFirstAdminToken(daemon.ctx);
    // Shown once, on the terminal only: the structured log never carries a token.
    if (token) process.stderr.write(`canaryd: created admin token (shown once, store it now): ${token}\n`);
  }

  const server = serve({ fetch: daemon.app.fetch, hostname: config.host, port: config.port }, (info) => {
    logger.info(
      {
        host: info.address,
        port: info.port,
        db: describeDb(config.db),
        timeScale: config.timeScale,
        synchronous: config.synchronous,
        busyTimeoutMs: config.busyTimeoutMs,
        ...(replica === undefined ? {} : { leaderLeaseMs: config.leaderLeaseMs }),
      },
      'listening',
    );
  }) as Server;
  server.on('error', (error) => {
    logger.error({ err: error }, 'server error');
    fail(`cannot listen on ${config.host}:${config.port}: ${error.message}`, 1);
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await daemon.close();
    await replica?.close();
    // Connections turn idle as their last response (an event stream, say) ends: close them as they do.
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    const timer = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    timer.unref();
    await closed;
    clearInterval(sweep);
    clearTimeout(timer);
    close();
    logger.info('stopped');
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  fail(error instanceof Error ? error.message : String(error), 1);
});
