import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../daemon-process.js';
import { RestartableDaemon } from './restartable-daemon.js';

/** Stream clients: `SSE_CLIENTS` (the soak sets 1,000), else 100. */
const CLIENTS = Number(process.env.SSE_CLIENTS ?? 100);

/** One `GET /api/v1/sync` subscriber remembering the last revision it was sent. */
class SyncClient {
  revision = -1;
  open = false;
  #abort = new AbortController();

  constructor(
    readonly url: string,
    readonly token: string,
  ) {}

  /** Connects; resolves with the status once the first `config` event arrived (or the answer was not 200). */
  async connect(): Promise<number> {
    this.#abort = new AbortController();
    const res = await fetch(`${this.url}/api/v1/sync`, {
      headers: { authorization: `Bearer ${this.token}` },
      signal: this.#abort.signal,
    });
    if (res.status !== 200 || !res.body) {
      await res.body?.cancel();
      return res.status;
    }
    this.open = true;
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let first: () => void = () => {};
    const gotFirst = new Promise<void>((r) => {
      first = r;
    });
    void (async () => {
      let buffer = '';
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          buffer += value;
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            const id = /^id: (\d+)$/m.exec(buffer.slice(0, end));
            if (id?.[1] !== undefined) {
              this.revision = Number(id[1]);
              first();
            }
            buffer = buffer.slice(end + 2);
          }
        }
      } catch {
        // aborted or the daemon died
      }
      this.open = false;
      first();
    })();
    await gotFirst;
    return 200;
  }

  close(): void {
    this.#abort.abort();
  }
}

function rssMiB(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

let daemon: RestartableDaemon | undefined;
const clients: SyncClient[] = [];
afterAll(async () => {
  for (const c of clients) c.close();
  await daemon?.kill();
});

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - started;
}

describe('sync subscribers reconnecting all at once after a crash', () => {
  it(`${CLIENTS} clients sharing one token reconnect, get the snapshot and the next revision`, async () => {
    daemon = new RestartableDaemon({ port: await freePort(), db: ':memory:' });
    await daemon.start();
    const d = daemon;
    const token = await d.token('fleet', ['evaluate']);
    for (let i = 0; i < CLIENTS; i++) clients.push(new SyncClient(d.url, token));
    expect(new Set(await Promise.all(clients.map((c) => c.connect())))).toEqual(new Set([200]));

    await d.kill('SIGKILL');
    await until(() => clients.every((c) => !c.open), 10_000, 'every stream to end');
    // :memory: starts empty again: the admin token is re-added, the fleet token must be issued anew.
    await d.start();
    const fleet = await d.token('fleet', ['evaluate']);
    const stormStart = Date.now();
    const storm = Promise.all(
      clients.map((c) => {
        Object.assign(c, { token: fleet });
        return c.connect().catch(() => 0);
      }),
    );
    // A probe in the middle of the storm: the daemon must still answer promptly.
    const probe = fetch(`${d.url}/healthz`).then((res) => ({
      status: res.status,
      ms: Date.now() - stormStart,
    }));
    const statuses = await storm;
    const reconnectMs = Date.now() - stormStart;
    const { status: healthStatus, ms: healthMs } = await probe;
    expect(healthStatus).toBe(200);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);

    const put = await d.request('PUT', '/api/v1/flags/storm', {
      state: 'ENABLED',
      variants: { on: true },
      defaultVariant: 'on',
    });
    expect(put.ok).toBe(true);
    const fanOutMs = await until(
      () => clients.every((c) => c.revision >= 1),
      15_000,
      'every client to get revision 1',
    );
    const rss = rssMiB(d.pid);
    console.log(
      `SSE storm: ${CLIENTS} clients reconnected at once in ${reconnectMs} ms (healthz ${healthMs} ms during), ` +
        `next revision reached all in ${fanOutMs} ms; daemon RSS ${rss} MiB`,
    );
  }, 120_000);
});
