import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { pino } from 'pino';
import { afterAll, expect, it } from 'vitest';
import { createApp } from '../app.js';
import { hashToken } from '../auth/authenticator.js';
import { ManualClock } from '../clock/clock.js';
import { describePostgres, freshPostgresStore, postgresTestUrl } from './testing/postgres-test-store.js';

/**
 * A TCP relay to the test server in its own process (the daemon's main thread blocks while the database answers,
 * so a relay on this thread could never relay). Killing it is the database going away; starting it again on the
 * same port, the database coming back.
 */
const RELAY = `
const net = require('node:net');
const [port, host, target] = process.argv.slice(1).map((v, i) => (i === 1 ? v : Number(v)));
net.createServer((socket) => {
  const upstream = net.connect(target, host);
  socket.pipe(upstream).pipe(socket);
  socket.on('error', () => upstream.destroy());
  upstream.on('error', () => socket.destroy());
}).listen(port, '127.0.0.1', () => process.stdout.write('ready\\n'));
`;

/** A server that accepts connections and never answers: a database host that went silent. */
const SILENT = `
const net = require('node:net');
const held = [];
net.createServer((socket) => { held.push(socket); socket.on('error', () => {}); })
  .listen(Number(process.argv[1]), '127.0.0.1', () => process.stdout.write('ready\\n'));
`;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startRelay(port: number, silent = false): Promise<ChildProcess> {
  const target = new URL(postgresTestUrl);
  const args = silent
    ? ['-e', SILENT, String(port)]
    : ['-e', RELAY, String(port), target.hostname, target.port || '5432'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`relay exited with ${code}`)));
  });
  return child;
}

async function stopRelay(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

describePostgres('PostgreSQL outage', () => {
  let relay: ChildProcess | undefined;
  afterAll(async () => {
    if (relay) await stopRelay(relay);
  });

  it('/readyz says database_unavailable and writes answer 503 storage_unavailable, then both recover', async () => {
    const port = await freePort();
    relay = await startRelay(port);
    const via = new URL(postgresTestUrl);
    via.hostname = '127.0.0.1';
    via.port = String(port);
    const clock = new ManualClock();
    const store = freshPostgresStore({ now: () => clock.now() });
    // The schema is made through the direct connection; the daemon's own store goes through the relay.
    const relayed = freshPostgresStore({
      schema: store.connection.query<{ s: string }>('SELECT current_schema() AS s').rows[0]?.s ?? '',
      // Long, so that a call answered quickly while the host is silent shows the wait is not the connect timeout.
      connectTimeoutMs: 30_000,
      statementTimeoutMs: 5_000,
      now: () => clock.now(),
      url: via.toString(),
    });
    const daemon = createApp({
      store: relayed,
      clock,
      logger: pino({ level: 'silent' }),
      startController: false,
    });
    relayed.tokens.put({
      name: 'admin',
      tokenHash: hashToken('outage-admin-token-0123456789'),
      scopes: ['admin'],
      createdAt: new Date(clock.now()).toISOString(),
    });
    daemon.ctx.auth.invalidate();
    const put = (name: string) =>
      daemon.app.request(`/api/v1/segments/${name}`, {
        method: 'PUT',
        headers: {
          authorization: 'Bearer outage-admin-token-0123456789',
          'content-type': 'application/json',
        },
        body: JSON.stringify({ match: { plan: name } }),
      });
    try {
      expect((await daemon.app.request('/readyz')).status).toBe(200);
      expect((await put('before')).status).toBe(201);

      await stopRelay(relay);
      const down = await daemon.app.request('/readyz');
      expect(down.status).toBe(503);
      expect(await down.json()).toEqual({ status: 'database_unavailable' });
      const refused = await put('during');
      expect(refused.status).toBe(503);
      expect(await refused.json()).toMatchObject({ code: 'storage_unavailable' });
      expect(refused.headers.get('retry-after')).toBe('1');

      // A silent host: connection attempts hang. Calls still answer at once (the new connection is opened in the
      // background), far sooner than the 30 s connect timeout, so the daemon's event loop is never held for it.
      relay = await startRelay(port, true);
      const started = Date.now();
      expect((await daemon.app.request('/readyz')).status).toBe(503);
      const silent = await put('silent');
      expect(silent.status).toBe(503);
      expect(await silent.json()).toMatchObject({ code: 'storage_unavailable' });
      expect(Date.now() - started).toBeLessThan(15_000);
      await stopRelay(relay);

      relay = await startRelay(port);
      const deadline = Date.now() + 25_000;
      while ((await daemon.app.request('/readyz')).status !== 200) {
        if (Date.now() > deadline) throw new Error('the store did not reconnect');
        await new Promise((r) => setTimeout(r, 100));
      }
      expect((await put('after')).status).toBe(201);
      expect(store.segments.list().map((s) => s.name)).toEqual(['after', 'before']);
    } finally {
      await daemon.close();
    }
  });
});
