// Starts the built canaryd (apps/daemon/dist/main.js) as a child process in its own process group, on a free
// loopback port with an in-memory database and the production log level, and stops it again. Shared by the
// daemon and provider benchmarks.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

// BENCH_DAEMON_MAIN: another build's dist/main.js, to measure a baseline with the same script.
const MAIN =
  process.env.BENCH_DAEMON_MAIN ?? fileURLToPath(new URL('../../apps/daemon/dist/main.js', import.meta.url));
const START_TIMEOUT_MS = 15_000;

// Every group started here, so that even an abrupt exit of the benchmark leaves no server behind.
const started = new Set();
process.on('exit', () => {
  for (const pid of started) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

/** The bootstrap admin token the benchmarks give the daemon (CANARYD_ADMIN_TOKEN needs 16 characters or more). */
export const ADMIN_TOKEN = 'bench-admin-token-0123456789';

/**
 * Spawns a Node script as a detached child (its own process group) and resolves once it prints a JSON line with
 * a `port` field on stdout (pino's `listening` line for canaryd, `{ port }` for the bench's own servers).
 *
 * @returns `{ child, port, stop }`; `stop()` sends SIGTERM to the group and SIGKILL after 5 s.
 */
export async function startNodeServer(label, args, env = {}) {
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  started.add(child.pid);
  child.on('exit', () => started.delete(child.pid));
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const port = await new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(
      () => reject(new Error(`${label}: no port within ${START_TIMEOUT_MS} ms\n${stderr}`)),
      START_TIMEOUT_MS,
    );
    const onExit = (code) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited with ${code} before listening\n${stderr}`));
    };
    child.once('exit', onExit);
    child.stdout.setEncoding('utf8');
    const onData = (chunk) => {
      buffered += chunk;
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
        try {
          const parsed = JSON.parse(line);
          if (typeof parsed.port === 'number') {
            clearTimeout(timer);
            child.stdout.off('data', onData);
            // Keep draining the log so that a full pipe never blocks the server.
            child.stdout.resume();
            resolve(parsed.port);
            return;
          }
        } catch {
          // Not a JSON line: ignore.
        }
      }
    };
    child.stdout.on('data', onData);
  });
  let stopped;
  const stop = () => {
    stopped ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }, 5_000);
      await exited;
      clearTimeout(timer);
    })();
    return stopped;
  };
  return { child, port, stop, pid: child.pid };
}

/**
 * Starts canaryd on loopback with `--db :memory:` (or `db`) at the default (production) log level.
 *
 * @param nodeArgs extra Node options, e.g. `['--cpu-prof', '--cpu-prof-dir', dir]`
 * @param main another build's `dist/main.js` (a before/after comparison), instead of apps/daemon's
 * @param db the database: a SQLite path or a `postgres://` URL (replicas share one)
 */
export async function startDaemon({ nodeArgs = [], env = {}, main = MAIN, db = ':memory:' } = {}) {
  const server = await startNodeServer(
    'canaryd',
    [...nodeArgs, main, '--host', '127.0.0.1', '--port', '0', '--db', db],
    { CANARYD_ADMIN_TOKEN: ADMIN_TOKEN, CANARYD_LOG_LEVEL: '', ...env },
  );
  const baseUrl = `http://127.0.0.1:${server.port}`;
  return { ...server, baseUrl, api: adminClient(baseUrl, ADMIN_TOKEN) };
}

/** A tiny JSON client for the admin API. Throws on any non-2xx answer. */
export function adminClient(baseUrl, token) {
  return async (method, path, body) => {
    const response = await fetch(baseUrl + path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} → ${response.status} ${text}`);
    return text === '' ? undefined : JSON.parse(text);
  };
}

/** A plain flag in the rules model: a 10/90 canary/stable split on `targetingKey`. */
export function splitFlag(key, { canary = '2.4.0', stable = '2.3.0', canaryWeight = 10 } = {}) {
  return {
    key,
    state: 'ENABLED',
    variants: { stable, canary },
    defaultVariant: 'stable',
    rules: [
      {
        serve: {
          split: {
            arms: [
              { variant: 'canary', weight: canaryWeight },
              { variant: 'stable', weight: 100 - canaryWeight },
            ],
          },
        },
      },
    ],
  };
}

/** Creates a token with the given scopes and returns its secret. */
export async function createToken(api, name, scopes) {
  const created = await api('POST', '/api/v1/tokens', { name, scopes });
  const token = created.token ?? created.secret;
  if (typeof token !== 'string') throw new Error(`unexpected token answer: ${JSON.stringify(created)}`);
  return token;
}
