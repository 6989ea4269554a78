import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ManagedProcess } from './managed-process.js';

/** The daemon `pnpm start` runs. */
export interface OwnDaemon {
  url: string;
  adminToken: string;
  /** The token was generated here (and is to be shown once). */
  generatedToken: boolean;
  /** Where the daemon's structured log goes. */
  logPath: string;
  process: ManagedProcess;
}

/** Options of {@link startOwnDaemon}. */
export interface OwnDaemonOptions {
  /** `apps/daemon/dist/main.js`. */
  script: string;
  timeScale: number;
  env: Readonly<Record<string, string | undefined>>;
  /** Lines the daemon writes on stderr (start-up failures). */
  onStderrLine(line: string): void;
  readyTimeoutMs?: number;
}

/**
 * Starts canaryd with the user's `CANARYD_*` settings (loopback, port 4000 and `./data/canary.db` by default) and
 * the launcher's time scale. Without `CANARYD_ADMIN_TOKEN` it generates one and hands it over in that variable,
 * so the daemon never prints or logs it; the caller shows it once. The structured log goes to a file beside the
 * database.
 *
 * @throws Error when the daemon exits or is not ready in time.
 */
export async function startOwnDaemon(options: OwnDaemonOptions): Promise<OwnDaemon> {
  const { env } = options;
  const host = env.CANARYD_HOST || '127.0.0.1';
  const port = env.CANARYD_PORT || '4000';
  const db = env.CANARYD_DB || './data/canary.db';
  const given = env.CANARYD_ADMIN_TOKEN;
  const adminToken = given && given.length > 0 ? given : `pc_admin_${randomBytes(24).toString('base64url')}`;
  const logDir = db === ':memory:' ? tmpdir() : dirname(resolve(db));
  mkdirSync(logDir, { recursive: true });
  const logPath = join(logDir, 'canaryd.log');
  const log = createWriteStream(logPath, { flags: 'a' });

  const daemon = ManagedProcess.start({
    script: options.script,
    env: {
      CANARYD_HOST: host,
      CANARYD_PORT: port,
      CANARYD_DB: db,
      CANARYD_ADMIN_TOKEN: adminToken,
      CANARYD_TIME_SCALE: String(options.timeScale),
    },
    onStdoutLine: (line) => log.write(`${line}\n`),
    onStderrLine: options.onStderrLine,
  });
  daemon.exited.then(() => log.end());

  const connectHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const url = `http://${connectHost.includes(':') ? `[${connectHost}]` : connectHost}:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 20_000);
  for (;;) {
    if (!daemon.running)
      throw new Error(`canaryd exited (code ${await daemon.exited}); see above and ${logPath}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await daemon.stop();
      throw new Error(`canaryd was not ready at ${url} within ${options.readyTimeoutMs ?? 20_000} ms`);
    }
    await sleep(100);
  }
  // Another process on the port answers /readyz too: make sure ours is the one that stayed up.
  await sleep(300);
  if (!daemon.running)
    throw new Error(`canaryd exited (code ${await daemon.exited}); is ${url} already in use?`);
  return { url, adminToken, generatedToken: adminToken !== given, logPath, process: daemon };
}
