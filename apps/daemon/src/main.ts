#!/usr/bin/env node
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { pino } from 'pino';
import { createApp } from './app.js';
import { SystemClock } from './clock/clock.js';
import { openDatabase, type SqliteDatabase } from './db/database.js';
import { createDaemonMetrics } from './ops/daemon-metrics.js';
import { logRedaction } from './security/log-redaction.js';
import { ConfigError, type DaemonConfig, parseDaemonConfig } from './settings/daemon-config.js';
import { parseLimitSettings } from './settings/limit-settings.js';
import { defaultSettings, type Settings } from './settings/settings.js';
import { SqliteStore } from './store/sqlite-store.js';
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

function open(
  config: DaemonConfig & { settings: Partial<Settings> },
  clock: SystemClock,
): { db: SqliteDatabase; store: SqliteStore } {
  const path = config.db;
  const { settings } = config;
  try {
    const db = openDatabase(path, { synchronous: config.synchronous, busyTimeoutMs: config.busyTimeoutMs });
    const traceJoin = {
      ...(settings.traceJoinHours === undefined ? {} : { maxAgeMs: settings.traceJoinHours * 3_600_000 }),
      ...(settings.traceJoinMaxRows === undefined ? {} : { maxRows: settings.traceJoinMaxRows }),
    };
    return { db, store: new SqliteStore(db, { now: () => clock.now(), traceJoin }) };
  } catch (error) {
    return fail(`cannot open database ${path}: ${(error as Error).message}`, 2);
  }
}

const USAGE = `Usage: canaryd [--host 0.0.0.0] [--port 4000] [--db ./data/canary.db] [--time-scale 1]

The Prompt Canary daemon. Every flag has an environment variable (CANARYD_HOST, CANARYD_PORT, CANARYD_DB,
CANARYD_TIME_SCALE); CANARYD_ADMIN_TOKEN sets the admin token, CANARYD_LOG_LEVEL the log level.
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
  const { db, store } = open(config, clock);
  const daemon = createApp({
    store,
    clock,
    logger,
    metrics: createDaemonMetrics({ processMetrics: true }),
    settings: config.settings,
  });

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
        db: config.db,
        timeScale: config.timeScale,
        synchronous: config.synchronous,
        busyTimeoutMs: config.busyTimeoutMs,
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
    // Connections turn idle as their last response (an event stream, say) ends: close them as they do.
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    const timer = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    timer.unref();
    await closed;
    clearInterval(sweep);
    clearTimeout(timer);
    db.close();
    logger.info('stopped');
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  fail(error instanceof Error ? error.message : String(error), 1);
});
