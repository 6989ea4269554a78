import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The built daemon entry point (`pnpm build` makes it). */
export const daemonMain = join(repoRoot, 'apps/daemon/dist/main.js');

/** Where shared test data lives: `PROMPT_CANARY_SHARED`, else `../shared` beside the repository. */
export const sharedRoot = process.env.PROMPT_CANARY_SHARED ?? resolve(repoRoot, '../shared');

/** A free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
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

/** A running daemon process. */
export interface DaemonProcess {
  url: string;
  adminToken: string;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Options of {@link startDaemon}. */
export interface StartOptions {
  env?: Record<string, string>;
  args?: string[];
  /** Set no CANARYD_ADMIN_TOKEN (the first start then prints one). */
  noAdminToken?: boolean;
  /** The daemon's entry point (default: the workspace build, {@link daemonMain}); e.g. an installed `canaryd`. */
  main?: string;
}

/** Runs `node apps/daemon/dist/main.js` and waits until `/readyz` answers. */
export async function startDaemon(options: StartOptions = {}): Promise<DaemonProcess> {
  const main = options.main ?? daemonMain;
  if (!existsSync(main)) throw new Error(`${main} is missing: run pnpm build first`);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'canaryd-e2e-'));
  const adminToken = `e2e-${randomBytes(16).toString('hex')}`;
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    CANARYD_LOG_LEVEL: 'warn',
  };
  delete env.CANARYD_ADMIN_TOKEN;
  if (!options.noAdminToken) env.CANARYD_ADMIN_TOKEN = adminToken;
  const child = spawn(
    process.execPath,
    [
      main,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--db',
      join(dir, 'canary.db'),
      ...(options.args ?? []),
    ],
    { env: { ...env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr?.on('data', (b: Buffer) => {
    err += b.toString();
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`canaryd exited with ${child.exitCode}: ${err}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`canaryd did not become ready: ${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    adminToken,
    child,
    stdout: () => out,
    stderr: () => err,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

/** Runs the daemon to completion (for start-up failures) and returns its exit code and output. */
export async function runDaemon(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [daemonMain, ...args], {
    env: { ...(process.env as Record<string, string>), CANARYD_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => {
    stdout += b.toString();
  });
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  return { code, stdout, stderr };
}

/** JSON request helper with a bearer token. */
export async function api(d: DaemonProcess, path: string, init: RequestInit & { json?: unknown } = {}) {
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (!headers.has('authorization')) headers.set('authorization', `Bearer ${d.adminToken}`);
  if (json !== undefined) headers.set('content-type', 'application/json');
  return fetch(`${d.url}${path}`, {
    ...rest,
    headers,
    body: json === undefined ? rest.body : JSON.stringify(json),
  });
}
