import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock/clock.js';
import { openDatabase } from '../db/database.js';
import { PACK, pack, startRollout } from '../ingest/testing/live-rollout.js';
import { otlpTraces } from '../ingest/testing/otlp-json.js';
import { createTestDaemon, type TestDaemon } from '../testing/test-daemon.js';

const T0 = Date.parse('2026-01-05T12:00:00.000Z');

let dir: string | undefined;
const opened: TestDaemon[] = [];
afterEach(async () => {
  for (const d of opened.splice(0)) {
    await d.close();
    d.db.close();
  }
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function fileDaemon(): TestDaemon {
  dir = mkdtempSync(join(tmpdir(), 'canary-full-'));
  const d = createTestDaemon({}, new ManualClock(T0), { db: openDatabase(join(dir, 'canary.db')) });
  opened.push(d);
  return d;
}

/** A flag whose value is `size` characters: a write that needs new pages. */
function bigFlag(n: number, size = 8_000) {
  return { state: 'ENABLED', variants: { v: `${n}:${'x'.repeat(size)}` }, defaultVariant: 'v' };
}

/** `count` spans of the live rollout (one in ten on the canary) that ended a second ago. */
function spansOf(d: TestDaemon, count: number) {
  d.clock.advance(2_000);
  return otlpTraces(
    Array.from({ length: count }, (_, i) => ({
      endMs: d.clock.now() - 1000,
      durationMs: 200,
      attributes: {
        'feature_flag.key': PACK,
        'feature_flag.result.variant': i % 10 === 0 ? '2.4.0' : '2.3.1',
      },
    })),
  );
}

async function spansCounted(d: TestDaemon, id: string): Promise<number> {
  const a = await (await d.request(`/api/v1/rollouts/${id}/analysis?window=rollout`, { as: 'read' })).json();
  return Object.values(a.arms as Record<string, { n: number }>).reduce((sum, arm) => sum + arm.n, 0);
}

describe('disk full (the database at its max_page_count)', () => {
  it('refuses writes with 503 storage_full and writes nothing of them; reads and evaluation keep working; recovers', async () => {
    const d = fileDaemon();
    const id = await startRollout(d);
    const acked: string[] = [];
    for (let n = 0; n < 5; n++) {
      expect((await d.request(`/api/v1/flags/kept-${n}`, { method: 'PUT', json: bigFlag(n) })).status).toBe(
        201,
      );
      acked.push(`kept-${n}`);
    }
    const ingested = await d.request('/v1/traces', { method: 'POST', as: 'ingest', json: spansOf(d, 50) });
    expect(ingested.status).toBe(200);
    const revision = (await (await d.request('/api/v1/config', { as: 'evaluate' })).json()).revision;
    const auditBefore = (await (await d.request('/api/v1/audit?limit=500', { as: 'read' })).json()).items
      .length;

    // No room to grow: the next write that needs a page fails, as on a full disk.
    const pages = Number(d.db.pragma('page_count', { simple: true }));
    d.db.pragma(`max_page_count = ${pages}`);

    let refused: Response | undefined;
    for (let n = 0; n < 50 && refused === undefined; n++) {
      const res = await d.request(`/api/v1/flags/lost-${n}`, { method: 'PUT', json: bigFlag(n) });
      if (res.status === 201) acked.push(`lost-${n}`);
      else refused = res;
    }
    expect(refused?.status).toBe(503);
    expect(refused?.headers.get('retry-after')).toBe('1');
    const body = await refused?.json();
    expect(body).toEqual({ code: 'storage_full', message: expect.stringContaining('nothing was written') });

    // Every kind of write is refused the same way, none half-made.
    const packRes = await d.request('/api/v1/packs/other', {
      method: 'PUT',
      json: { ...pack('1.0.0'), metadata: { name: 'other' } },
    });
    expect([201, 503]).toContain(packRes.status);
    const otlp = await d.request('/v1/traces', { method: 'POST', as: 'ingest', json: spansOf(d, 2_000) });
    expect(otlp.status).toBe(503);
    expect(otlp.headers.get('retry-after')).toBe('1');

    // Reads and evaluation still answer.
    const flags = (await (await d.request('/api/v1/flags', { as: 'read' })).json()) as Array<{ key: string }>;
    const keys = new Set(flags.map((f) => f.key));
    expect(acked.filter((k) => !keys.has(k))).toEqual([]);
    expect([...keys].filter((k) => k.startsWith('lost-') && !acked.includes(k))).toEqual([]);
    const ofrep = await d.request(`/ofrep/v1/evaluate/flags/${PACK}`, {
      method: 'POST',
      as: 'evaluate',
      json: { context: { targetingKey: 'u-1' } },
    });
    expect(ofrep.status).toBe(200);
    expect(['2.3.1', '2.4.0']).toContain((await ofrep.json()).value);
    expect((await d.request('/api/v1/config', { as: 'evaluate' })).status).toBe(200);
    expect(await spansCounted(d, id)).toBe(50);
    expect((await d.request(`/api/v1/rollouts/${id}`, { as: 'read' })).status).toBe(200);
    expect(d.db.pragma('integrity_check', { simple: true })).toBe('ok');

    // Room again: writes succeed, and nothing of the refused ones shows up.
    d.db.pragma('max_page_count = 1073741823');
    expect((await d.request('/api/v1/flags/after', { method: 'PUT', json: bigFlag(1) })).status).toBe(201);
    expect(
      (await d.request('/v1/traces', { method: 'POST', as: 'ingest', json: spansOf(d, 10) })).status,
    ).toBe(200);
    expect(await spansCounted(d, id)).toBe(60);
    const config = await (await d.request('/api/v1/config', { as: 'evaluate' })).json();
    const audit = (await (await d.request('/api/v1/audit?limit=500', { as: 'read' })).json()).items;
    const accepted = acked.length - 5 + (packRes.status === 201 ? 1 : 0) + 1;
    expect(audit.length - auditBefore).toBe(accepted);
    expect(config.revision - revision).toBe(accepted);
  });
});
