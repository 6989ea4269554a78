import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../daemon-process.js';
import { integrityCheck, RestartableDaemon } from './restartable-daemon.js';

/**
 * SQLITE_BUSY from another process: this test process opens the daemon's database file and holds its write lock
 * (`BEGIN IMMEDIATE`), as a backup tool or a second process would.
 */
const BUSY_TIMEOUT_MS = 400;
const PACK = 'locked-pack';

const dir = mkdtempSync(join(tmpdir(), 'canaryd-busy-'));
const dbPath = join(dir, 'canary.db');
let daemon: RestartableDaemon;
afterAll(async () => {
  await daemon?.kill();
  rmSync(dir, { recursive: true, force: true });
});

function pack(version: string) {
  return {
    apiVersion: 'promptcanary.dev/v1alpha1',
    kind: 'PromptPack',
    metadata: { name: PACK },
    // One look every 100 ms at --time-scale 600; no step within the test.
    spec: {
      version,
      rollout: { canaryWeight: 10, stepWeight: 10, stepInterval: '10h', analysis: { interval: '1m' } },
    },
  };
}

function flag(n: number) {
  return { state: 'ENABLED', variants: { v: n }, defaultVariant: 'v' };
}

async function metric(line: string): Promise<number> {
  const text = await (await daemon.request('GET', '/metrics')).text();
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? 0 : Number(found.slice(line.length + 1));
}

async function lastCheckAt(rolloutId: string): Promise<number> {
  const detail = (await (await daemon.request('GET', `/api/v1/rollouts/${rolloutId}`)).json()) as {
    lastCheck: { at: string } | null;
  };
  return detail.lastCheck === null ? 0 : Date.parse(detail.lastCheck.at);
}

describe('another process holds the write lock (SQLITE_BUSY)', () => {
  it('writes wait up to the busy timeout, then fail whole with 503 storage_busy; reads go on; the controller retries', async () => {
    daemon = new RestartableDaemon({
      port: await freePort(),
      db: dbPath,
      env: { CANARYD_TIME_SCALE: '600', CANARYD_BUSY_TIMEOUT_MS: String(BUSY_TIMEOUT_MS) },
    });
    await daemon.start();
    expect((await daemon.request('PUT', `/api/v1/packs/${PACK}`, pack('1.0.0'))).status).toBe(201);
    const started = await daemon.request('PUT', `/api/v1/packs/${PACK}`, pack('2.0.0'));
    const rolloutId = ((await started.json()) as { rollout: { id: string } }).rollout.id;
    const acked = new Set<string>();
    const refused = new Set<string>();
    const put = async (key: string, n: number) => {
      const t = performance.now();
      const res = await daemon.request('PUT', `/api/v1/flags/${key}`, flag(n));
      if (res.ok) acked.add(key);
      else refused.add(key);
      return { res, ms: performance.now() - t };
    };
    expect((await put('before', 1)).res.status).toBe(201);
    const auditBefore = (
      (await (await daemon.request('GET', '/api/v1/audit?limit=500')).json()) as { items: unknown[] }
    ).items.length;

    const holder = new Database(dbPath);
    try {
      // 1. Held for several busy timeouts: each write waits at least the timeout, then fails with a clean 503.
      holder.exec('BEGIN IMMEDIATE');
      const errorsBefore = await metric(
        `canaryd_controller_check_errors_total{pack="${PACK}",stage="commit"}`,
      );
      for (let n = 0; n < 3; n++) {
        const { res, ms } = await put(`locked-${n}`, n);
        expect(res.status).toBe(503);
        expect(res.headers.get('retry-after')).toBe('1');
        expect(await res.json()).toEqual({ code: 'storage_busy', message: expect.any(String) });
        expect(ms).toBeGreaterThanOrEqual(BUSY_TIMEOUT_MS - 50);
      }
      // Reads and evaluation do not need the lock (WAL).
      expect((await daemon.request('GET', '/api/v1/flags/before')).status).toBe(200);
      const ofrep = await daemon.request('POST', '/ofrep/v1/evaluate/flags/before', {
        context: { targetingKey: 'u' },
      });
      expect(ofrep.status).toBe(200);
      // The controller's looks could not commit either: counted as check errors, not lost silently.
      await expect
        .poll(() => metric(`canaryd_controller_check_errors_total{pack="${PACK}",stage="commit"}`), {
          timeout: 20_000,
        })
        .toBeGreaterThan(errorsBefore);
      holder.exec('COMMIT');
      const releasedAt = Date.now();

      // The controller retries on its own and its looks commit again.
      await expect.poll(() => lastCheckAt(rolloutId), { timeout: 20_000 }).toBeGreaterThan(releasedAt);

      // 2. Held for less than the busy timeout: the write waits for the lock and succeeds.
      holder.exec('BEGIN IMMEDIATE');
      const waiting = put('waited', 7);
      setTimeout(() => holder.exec('COMMIT'), BUSY_TIMEOUT_MS / 4);
      expect((await waiting).res.status).toBe(201);
    } finally {
      if (holder.inTransaction) holder.exec('ROLLBACK');
      holder.close();
    }

    // Nothing half-written: every acknowledged write is there with its audit entry, no refused one is.
    expect(integrityCheck(dbPath)).toBe('ok');
    const flags = (await (await daemon.request('GET', '/api/v1/flags')).json()) as Array<{ key: string }>;
    const keys = new Set(flags.map((f) => f.key));
    expect([...acked].filter((k) => !keys.has(k))).toEqual([]);
    expect([...refused].filter((k) => keys.has(k))).toEqual([]);
    expect(refused.size).toBe(3);
    const audit = (
      (await (await daemon.request('GET', '/api/v1/audit?limit=500')).json()) as {
        items: Array<{ action: string; target: string }>;
      }
    ).items;
    const flagEntries = audit
      .slice(0, audit.length - auditBefore)
      .filter((e) => e.action.startsWith('flag.'));
    expect(flagEntries.map((e) => e.target)).toEqual(['flag:waited']);
    expect(await daemon.request('GET', `/api/v1/rollouts/${rolloutId}`).then((r) => r.status)).toBe(200);
  }, 60_000);
});
