import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PromptCanaryProvider } from '@prompt-canary/openfeature-provider';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../daemon-process.js';
import { RestartableDaemon } from './restartable-daemon.js';

/** Outage length: `OUTAGE_SECONDS` (the soak sets 30), else 3 s. */
const OUTAGE_MS = Number(process.env.OUTAGE_SECONDS ?? 3) * 1000;
const quiet = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
};

const dir = mkdtempSync(join(tmpdir(), 'canaryd-outage-'));
let daemon: RestartableDaemon | undefined;
let provider: PromptCanaryProvider | undefined;
afterAll(async () => {
  await provider?.onClose();
  await daemon?.kill();
  rmSync(dir, { recursive: true, force: true });
});

const flag = (serve: string) => ({ state: 'ENABLED', variants: { a: 'a', b: 'b' }, defaultVariant: serve });

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - started;
}

describe('the provider across a daemon outage (kill -9) under steady evaluation load', () => {
  it(
    'never throws, keeps serving the last config, and converges after the restart',
    async () => {
      daemon = new RestartableDaemon({ port: await freePort(), db: join(dir, 'canary.db') });
      await daemon.start();
      expect((await daemon.request('PUT', '/api/v1/flags/outage', flag('a'))).ok).toBe(true);
      provider = new PromptCanaryProvider({
        baseUrl: daemon.url,
        token: await daemon.token('app', ['evaluate', 'ingest']),
        reconnectDelay: { initial: '100ms', max: '1s' },
        tracking: false,
        logger: quiet,
      });
      await provider.initialize();
      const p = provider;

      const seen = { evaluations: 0, throws: 0, errors: 0, values: new Map<string, number>() };
      const state: { phase: 'before' | 'outage' | 'after' } = { phase: 'before' };
      const wrongDuringOutage: string[] = [];
      let running = true;
      const load = (async () => {
        while (running) {
          for (let i = 0; i < 50; i++) {
            try {
              const r = await p.resolveStringEvaluation('outage', 'fallback', { targetingKey: `u-${i}` });
              seen.evaluations++;
              if (r.errorCode !== undefined) seen.errors++;
              seen.values.set(r.value, (seen.values.get(r.value) ?? 0) + 1);
              if (state.phase === 'outage' && r.value !== 'a') wrongDuringOutage.push(r.value);
            } catch {
              seen.throws++;
            }
          }
          await new Promise((r) => setTimeout(r, 1));
        }
      })();

      await new Promise((r) => setTimeout(r, 300));
      state.phase = 'outage';
      await daemon.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, OUTAGE_MS));
      const duringOutage = seen.evaluations;
      await daemon.start();
      state.phase = 'after';
      const restartedAt = Date.now();
      expect((await daemon.request('PUT', '/api/v1/flags/outage', flag('b'))).ok).toBe(true);
      let latest = '';
      const converged = await until(
        () => {
          void p.resolveStringEvaluation('outage', 'fallback', {}).then((r) => {
            latest = r.value;
          });
          return latest === 'b';
        },
        15_000,
        'the provider to serve the new config',
      );
      running = false;
      await load;

      console.log(
        `provider outage ${OUTAGE_MS / 1000} s: ${seen.evaluations} evaluations (${duringOutage} up to the restart), ` +
          `${seen.throws} threw, ${seen.errors} errors, values ${JSON.stringify(Object.fromEntries(seen.values))}; ` +
          `converged ${Date.now() - restartedAt} ms after the restart (${converged} ms after the write)`,
      );
      expect(seen.throws).toBe(0);
      expect(seen.errors).toBe(0);
      expect(wrongDuringOutage).toEqual([]);
      expect(seen.values.get('fallback') ?? 0).toBe(0);
    },
    60_000 + OUTAGE_MS,
  );
});
