import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../daemon-process.js';
import { integrityCheck, RestartableDaemon } from './restartable-daemon.js';

/** kill -9 cycles: `KILL_CYCLES` (the soak sets 50), else 5. */
const CYCLES = Number(process.env.KILL_CYCLES ?? 5);
const WRITERS = 6;
const SPAN_PACK = 'span-pack';

const dir = mkdtempSync(join(tmpdir(), 'canaryd-kill-'));
const dbPath = join(dir, 'canary.db');
let daemon: RestartableDaemon;
afterAll(async () => {
  await daemon?.kill();
  rmSync(dir, { recursive: true, force: true });
});

function pack(name: string, version: string) {
  return {
    apiVersion: 'promptcanary.dev/v1alpha1',
    kind: 'PromptPack',
    metadata: { name },
    spec: { version, rollout: { canaryWeight: 10, stepWeight: 10, stepInterval: '1h' } },
  };
}

/** OTLP/JSON spans of the live rollout: one in ten on the canary, as its weight says. */
function spans(count: number, serial: number) {
  const endNs = BigInt(Date.now()) * 1_000_000n;
  return {
    resourceSpans: [
      {
        scopeSpans: [
          {
            spans: Array.from({ length: count }, (_, i) => ({
              traceId: (serial * 1000 + i).toString(16).padStart(32, '0'),
              spanId: (i + 1).toString(16).padStart(16, '0'),
              name: 'chat',
              startTimeUnixNano: String(endNs - 500_000_000n),
              endTimeUnixNano: String(endNs),
              attributes: [
                { key: 'feature_flag.key', value: { stringValue: SPAN_PACK } },
                {
                  key: 'feature_flag.result.variant',
                  value: { stringValue: i % 10 === 0 ? '2.0.0' : '1.0.0' },
                },
              ],
            })),
          },
        ],
      },
    ],
  };
}

/** What the client saw acknowledged (2xx) so far. */
const acked = {
  newFlags: new Set<string>(),
  hot: new Map<string, number>(),
  packs: new Set<string>(),
  spans: 0,
};
let serial = 0;

/** Writes as fast as `WRITERS` concurrent clients can until the daemon dies (or `untilMs` passes). */
async function writeUntilDead(cycle: number, untilMs: number): Promise<number> {
  let attempts = 0;
  const writer = async (w: number) => {
    while (Date.now() < untilMs) {
      const n = ++serial;
      const op = n % 5;
      try {
        if (op === 0 || op === 1) {
          const key = `new-${cycle}-${n}`;
          const res = await daemon.request('PUT', `/api/v1/flags/${key}`, {
            state: 'ENABLED',
            variants: { v: n },
            defaultVariant: 'v',
          });
          attempts++;
          if (res.ok) acked.newFlags.add(key);
        } else if (op === 2) {
          // One hot flag per writer: with two writers on a key, the later commit of an earlier request wins, and
          // "at least the last acknowledged value" would not hold for reasons that have nothing to do with kills.
          const key = `hot-${w}`;
          const res = await daemon.request('PUT', `/api/v1/flags/${key}`, {
            state: 'ENABLED',
            variants: { v: n },
            defaultVariant: 'v',
          });
          attempts++;
          if (res.ok) acked.hot.set(key, Math.max(acked.hot.get(key) ?? 0, n));
        } else if (op === 3) {
          const name = `pack-${cycle}-${n}`;
          const res = await daemon.request('PUT', `/api/v1/packs/${name}`, pack(name, '1.0.0'));
          attempts++;
          if (res.ok) acked.packs.add(name);
        } else {
          const res = await daemon.request('POST', '/v1/traces', spans(20, n));
          attempts++;
          if (res.ok) acked.spans += 20;
        }
      } catch {
        return; // the daemon is gone
      }
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
  return attempts;
}

async function verify(rolloutId: string): Promise<void> {
  expect(integrityCheck(dbPath)).toBe('ok');
  const flags = (await (await daemon.request('GET', '/api/v1/flags')).json()) as Array<{
    key: string;
    variants: { v: number };
  }>;
  const byKey = new Map(flags.map((f) => [f.key, f.variants.v]));
  const lostFlags = [...acked.newFlags].filter((k) => !byKey.has(k));
  expect(lostFlags, 'acknowledged flags missing after kill -9').toEqual([]);
  for (const [key, seq] of acked.hot) expect(byKey.get(key) ?? 0, key).toBeGreaterThanOrEqual(seq);
  const packs = (await (await daemon.request('GET', '/api/v1/packs')).json()) as Array<{ name: string }>;
  const names = new Set(packs.map((p) => p.name));
  expect(
    [...acked.packs].filter((n) => !names.has(n)),
    'acknowledged packs missing',
  ).toEqual([]);
  const analysis = (await (
    await daemon.request('GET', `/api/v1/rollouts/${rolloutId}/analysis?window=rollout`)
  ).json()) as {
    arms: Record<string, { n: number }>;
  };
  const counted = Object.values(analysis.arms).reduce((sum, arm) => sum + arm.n, 0);
  expect(counted, 'acknowledged spans counted in the analysis').toBeGreaterThanOrEqual(acked.spans);
}

describe('kill -9 while a client writes as fast as it can', () => {
  it(
    `loses no acknowledged write and leaves an intact database, ${CYCLES} cycles`,
    async () => {
      daemon = new RestartableDaemon({ port: await freePort(), db: dbPath });
      await daemon.start();
      expect(
        (await daemon.request('PUT', `/api/v1/packs/${SPAN_PACK}`, pack(SPAN_PACK, '1.0.0'))).status,
      ).toBe(201);
      const started = await daemon.request('PUT', `/api/v1/packs/${SPAN_PACK}`, pack(SPAN_PACK, '2.0.0'));
      const rolloutId = ((await started.json()) as { rollout: { id: string } }).rollout.id;
      let attempts = 0;
      for (let cycle = 1; cycle <= CYCLES; cycle++) {
        const killAt = Date.now() + 300 + Math.floor(Math.random() * 900);
        const writing = writeUntilDead(cycle, killAt + 5000);
        await new Promise((r) => setTimeout(r, killAt - Date.now()));
        await daemon.kill('SIGKILL');
        attempts += await writing;
        await daemon.start();
        await verify(rolloutId);
      }
      const live = (await (await daemon.request('GET', `/api/v1/rollouts/${rolloutId}`)).json()) as {
        phase: string;
      };
      console.log(
        `kill -9: ${CYCLES} cycles, ${attempts} writes attempted; acknowledged ${acked.newFlags.size} new flags, ` +
          `${acked.hot.size} hot flags, ${acked.packs.size} packs, ${acked.spans} spans; all present; rollout ${live.phase}`,
      );
    },
    60_000 + CYCLES * 5_000,
  );
});
