import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { daemonMain } from '../daemon-process.js';

/** Options of a {@link RestartableDaemon}. */
export interface RestartableDaemonOptions {
  port: number;
  /** The database file, kept across restarts. */
  db: string;
  /** Extra environment (log level, limits). */
  env?: Record<string, string>;
  /** Node options before the script (`--expose-gc`, `--require …`). */
  nodeArgs?: string[];
  /** The admin token (default: a random one); replicas sharing one database share it. */
  adminToken?: string;
}

/**
 * A `canaryd` process that can be killed (any signal, `SIGKILL` included) and started again on the same port and
 * database, keeping everything it printed across its lives (for log greps).
 */
export class RestartableDaemon {
  readonly adminToken: string;
  readonly #options: RestartableDaemonOptions;
  #child: ChildProcess | undefined;
  #stdout = '';
  #stderr = '';

  constructor(options: RestartableDaemonOptions) {
    this.#options = options;
    this.adminToken = options.adminToken ?? `reliability-${randomBytes(16).toString('hex')}`;
  }

  /** `http://127.0.0.1:<port>`. */
  get url(): string {
    return `http://127.0.0.1:${this.#options.port}`;
  }

  /** The running process's id, if any. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Everything written to stdout (the structured log) by every life of the process. */
  get stdout(): string {
    return this.#stdout;
  }

  /** Everything written to stderr by every life of the process. */
  get stderr(): string {
    return this.#stderr;
  }

  /** Starts the process and waits (at most 15 s) until `/readyz` answers. */
  async start(): Promise<void> {
    if (this.#child) throw new Error('already running');
    const { port, db, env = {}, nodeArgs = [] } = this.#options;
    const child = spawn(
      process.execPath,
      [...nodeArgs, daemonMain, '--host', '127.0.0.1', '--port', String(port), '--db', db],
      {
        env: { ...process.env, CANARYD_LOG_LEVEL: 'warn', ...env, CANARYD_ADMIN_TOKEN: this.adminToken },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout?.on('data', (b: Buffer) => {
      this.#stdout += b.toString();
    });
    child.stderr?.on('data', (b: Buffer) => {
      this.#stderr += b.toString();
    });
    this.#child = child;
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`canaryd exited with ${child.exitCode}: ${this.#stderr}`);
      const ready = await fetch(`${this.url}/readyz`).then(
        (res) => res.ok,
        () => false,
      );
      if (ready) return;
      if (Date.now() > deadline) throw new Error(`canaryd did not become ready: ${this.#stderr}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Sends `signal` (default `SIGKILL`) and waits for the exit (a `SIGTERM` that hangs is followed by `SIGKILL`). */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  /** A request with the admin token (or `token`), JSON body when given. */
  request(method: string, path: string, body?: unknown, token = this.adminToken): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return fetch(`${this.url}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  /** A new token with `scopes`. */
  async token(name: string, scopes: string[]): Promise<string> {
    const res = await this.request('POST', '/api/v1/tokens', { name, scopes });
    if (res.status !== 201 && res.status !== 200)
      throw new Error(`token ${name}: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { token: string }).token;
  }
}

/** `PRAGMA integrity_check` of a database file, read-only from this process (the daemon may be running). */
export function integrityCheck(path: string): string {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const rows = db.pragma('integrity_check') as Array<{ integrity_check: string }>;
    return rows.map((r) => r.integrity_check).join('; ');
  } finally {
    db.close();
  }
}

/**
 * The daemon's live heap after a forced full collection, in bytes: needs the daemon started with
 * {@link HEAP_PROBE_ARGS}. Waits for the probe's answer on stderr (at most 10 s).
 */
export async function heapAfterGc(daemon: RestartableDaemon): Promise<number> {
  const pid = daemon.pid;
  if (pid === undefined) throw new Error('not running');
  const seen = daemon.stderr.length;
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + 10_000;
  for (;;) {
    const match = /heap-after-gc (\d+)\n/.exec(daemon.stderr.slice(seen));
    if (match) return Number(match[1]);
    if (Date.now() > deadline) throw new Error('no heap-after-gc answer within 10 s');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Node options that load the heap probe ({@link heapAfterGc}). */
export const HEAP_PROBE_ARGS = [
  '--expose-gc',
  '--require',
  fileURLToPath(new URL('./heap-probe.cjs', import.meta.url)),
];
