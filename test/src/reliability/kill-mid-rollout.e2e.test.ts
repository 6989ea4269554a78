import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../daemon-process.js';
import { integrityCheck, RestartableDaemon } from './restartable-daemon.js';

/** kill -9s during one rollout: `ROLLOUT_KILLS` (the soak sets 10), else 3. */
const KILLS = Number(process.env.ROLLOUT_KILLS ?? 3);
/** At 120× a `1m` step takes half a second of real time. */
const TIME_SCALE = 120;

const dir = mkdtempSync(join(tmpdir(), 'canaryd-rollout-kill-'));
const dbPath = join(dir, 'canary.db');
let daemon: RestartableDaemon | undefined;
afterAll(async () => {
  await daemon?.kill();
  rmSync(dir, { recursive: true, force: true });
});

function pack(version: string) {
  return {
    apiVersion: 'promptcanary.dev/v1alpha1',
    kind: 'PromptPack',
    metadata: { name: 'ramp' },
    spec: { version, rollout: { canaryWeight: 10, stepWeight: 10, stepInterval: '1m' } },
  };
}

interface Rollout {
  phase: string;
  weight: number;
  step: number;
  timeline: Array<{ from: string | null; to: string; weight: number; actor: string }>;
}

describe('kill -9 mid-rollout', () => {
  it(`resumes the same phase and step after each of ${KILLS} kills: no step skipped, none taken twice`, async () => {
    daemon = new RestartableDaemon({
      port: await freePort(),
      db: dbPath,
      env: { CANARYD_TIME_SCALE: String(TIME_SCALE) },
    });
    const d = daemon;
    await d.start();
    expect((await d.request('PUT', '/api/v1/packs/ramp', pack('1.0.0'))).status).toBe(201);
    const started = await d.request('PUT', '/api/v1/packs/ramp', pack('2.0.0'));
    const id = ((await started.json()) as { rollout: { id: string } }).rollout.id;
    const get = async () => (await (await d.request('GET', `/api/v1/rollouts/${id}`)).json()) as Rollout;

    const resumed: string[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      await new Promise((r) => setTimeout(r, 400 + Math.floor(Math.random() * 600)));
      const before = await get();
      const readAt = Date.now();
      if (before.phase !== 'Progressing') break;
      await d.kill('SIGKILL');
      await d.start();
      expect(integrityCheck(dbPath)).toBe('ok');
      const after = await get();
      resumed.push(`${before.phase}@${before.weight} → ${after.phase}@${after.weight}`);
      // Same phase; at most the one overdue step taken at once, never a step back.
      expect(['Progressing', 'Completed']).toContain(after.phase);
      expect(after.weight).toBeGreaterThanOrEqual(before.weight);
      // Steps due in the real time that passed (half a second each), plus the overdue one: no more.
      const due = Math.ceil((Date.now() - readAt) / 500) + 1;
      expect(after.weight - before.weight).toBeLessThanOrEqual(10 * due);
    }

    const deadline = Date.now() + 30_000;
    let final = await get();
    while (final.phase === 'Progressing' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      final = await get();
    }
    expect(final.phase).toBe('Completed');
    // Every ramp step exactly once, in order: the controller's transitions walk 10, 20, … 100 without gaps or repeats.
    const weights = final.timeline.filter((t) => t.actor === 'controller').map((t) => t.weight);
    const ramp = weights.filter((w, i) => i === 0 || w !== weights[i - 1]);
    expect(ramp.filter((w) => w > 10)).toEqual([20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(weights.length - ramp.length, 'repeated transitions at the same weight').toBeLessThanOrEqual(1);
    console.log(
      `kill -9 mid-rollout: ${resumed.length} kills (${resumed.join('; ')}); controller weights ${weights.join(',')}`,
    );
  }, 90_000);
});
