import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../daemon-process.js';
import { RestartableDaemon } from './restartable-daemon.js';

/** Soak length: `SOAK_SECONDS` (the soak sets 600). Without it the test is skipped: it is not a CI test. */
const SECONDS = Number(process.env.SOAK_SECONDS ?? 0);
const SUBSCRIBERS = Number(process.env.SOAK_SUBSCRIBERS ?? 200);
const PACK = 'soak-pack';

function rssMiB(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Least-squares slope of `ys` over `xs`. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += ((xs[i] ?? 0) - mx) * ((ys[i] ?? 0) - my);
    den += ((xs[i] ?? 0) - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

function pack(version: string) {
  return {
    apiVersion: 'promptcanary.dev/v1alpha1',
    kind: 'PromptPack',
    metadata: { name: PACK },
    spec: { version, rollout: { canaryWeight: 10, stepWeight: 30, stepInterval: '10m' } },
  };
}

let daemon: RestartableDaemon | undefined;
const aborts: AbortController[] = [];
afterAll(async () => {
  for (const a of aborts) a.abort();
  await daemon?.kill('SIGTERM');
});

describe.skipIf(SECONDS <= 0)('mixed load soak', () => {
  it(
    `${SECONDS} s of OFREP, OTLP ingest, sync subscribers, admin writes and progressing rollouts`,
    async () => {
      // At 60× a 10-minute step takes 10 s: rollouts keep progressing and completing through the soak.
      daemon = new RestartableDaemon({
        port: await freePort(),
        db: ':memory:',
        env: { CANARYD_TIME_SCALE: '60' },
      });
      const d = daemon;
      await d.start();
      const app = await d.token('app', ['evaluate', 'ingest']);
      let version = 1;
      await d.request('PUT', `/api/v1/packs/${PACK}`, pack(`1.0.${version}`));

      const latencies: Record<string, number[]> = { ofrep: [], otlp: [], admin: [], config: [] };
      const errors: Record<string, number> = {};
      const end = Date.now() + SECONDS * 1000;
      const timed = async (surface: string, run: () => Promise<Response>, ok = (s: number) => s < 300) => {
        const t = performance.now();
        try {
          const res = await run();
          await res.arrayBuffer();
          latencies[surface]?.push(performance.now() - t);
          if (!ok(res.status))
            errors[`${surface} ${res.status}`] = (errors[`${surface} ${res.status}`] ?? 0) + 1;
        } catch (error) {
          errors[`${surface} ${(error as Error).message}`] =
            (errors[`${surface} ${(error as Error).message}`] ?? 0) + 1;
        }
      };
      const loop = async (pauseMs: number, body: (i: number) => Promise<void>) => {
        for (let i = 0; Date.now() < end; i++) {
          await body(i);
          if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
        }
      };
      const json = (token: string, body: unknown) => ({
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

      let configEvents = 0;
      for (let i = 0; i < SUBSCRIBERS; i++) {
        const abort = new AbortController();
        aborts.push(abort);
        void fetch(`${d.url}/api/v1/sync`, {
          headers: { authorization: `Bearer ${app}` },
          signal: abort.signal,
        })
          .then(async (res) => {
            const reader = res.body?.pipeThrough(new TextDecoderStream()).getReader();
            for (;;) {
              const chunk = await reader?.read();
              if (!chunk || chunk.done) break;
              configEvents += chunk.value.split('event: config').length - 1;
            }
          })
          .catch(() => undefined);
      }

      const rss: Array<[number, number]> = [];
      const started = Date.now();
      const sampler = setInterval(() => rss.push([(Date.now() - started) / 1000, rssMiB(d.pid)]), 10_000);
      // Each span carries one variant OFREP actually served, used once, as an instrumented app's would: the split
      // the analyzer sees is the split that was served (sampling a few answers again and again would clump it).
      const served: Array<{ variant: string; atMs: number }> = [];
      const ofrep = (i: number) =>
        timed('ofrep', async () => {
          const res = await fetch(
            `${d.url}/ofrep/v1/evaluate/flags/${PACK}`,
            json(app, { context: { targetingKey: `u-${i}` } }),
          );
          const body = (await res.clone().json()) as { variant?: string };
          if (body.variant !== undefined) {
            served.push({ variant: body.variant, atMs: Date.now() });
            if (served.length > 5000) served.shift();
          }
          return res;
        });
      // A span ends when its request was served, not when the exporter got round to it: a backlog must not carry
      // one rollout's answers into the next one's time slices.
      const spans = (variants: ReadonlyArray<{ variant: string; atMs: number }>) => {
        return {
          resourceSpans: [
            {
              scopeSpans: [
                {
                  spans: variants.map(({ variant, atMs }, i) => ({
                    traceId: `${Date.now().toString(16)}${i}`.padStart(32, '0').slice(-32),
                    spanId: (i + 1).toString(16).padStart(16, '0'),
                    name: 'chat',
                    startTimeUnixNano: String(BigInt(atMs - 900) * 1_000_000n),
                    endTimeUnixNano: String(BigInt(atMs) * 1_000_000n),
                    attributes: [
                      { key: 'feature_flag.key', value: { stringValue: PACK } },
                      {
                        key: 'feature_flag.result.variant',
                        value: { stringValue: variant },
                      },
                    ],
                  })),
                },
              ],
            },
          ],
        };
      };
      await Promise.all([
        ...Array.from({ length: 4 }, (_, w) => loop(0, (i) => ofrep(w * 1_000_000 + i))),
        loop(20, async () => {
          const variants = served.splice(0, 50);
          if (variants.length > 0)
            await timed('otlp', () => fetch(`${d.url}/v1/traces`, json(app, spans(variants))));
        }),
        loop(200, (i) =>
          timed('admin', () =>
            d.request('PUT', `/api/v1/flags/soak-${i % 50}`, {
              state: 'ENABLED',
              variants: { a: i, b: -i },
              defaultVariant: 'a',
            }),
          ),
        ),
        loop(100, () =>
          timed('config', () =>
            fetch(`${d.url}/api/v1/config`, { headers: { authorization: `Bearer ${app}` } }),
          ),
        ),
        loop(1000, async () => {
          // A new version whenever the last rollout finished: there is always one progressing.
          const res = await d.request('GET', `/api/v1/packs/${PACK}`);
          const current = (await res.json()) as { liveRollout: string | null };
          if (current.liveRollout === null) {
            version++;
            await timed('admin', () => d.request('PUT', `/api/v1/packs/${PACK}`, pack(`1.0.${version}`)));
          }
        }),
      ]);
      clearInterval(sampler);

      const rollouts = (await (await d.request('GET', `/api/v1/rollouts?pack=${PACK}`)).json()) as Array<{
        phase: string;
        reason: string | null;
      }>;
      const phases: Record<string, number> = {};
      for (const r of rollouts) phases[r.phase] = (phases[r.phase] ?? 0) + 1;
      const lines = Object.entries(latencies).map(([surface, values]) => {
        const sorted = [...values].sort((a, b) => a - b);
        return `${surface}: n=${values.length} p50=${percentile(sorted, 50).toFixed(2)} ms p99=${percentile(sorted, 99).toFixed(2)} ms`;
      });
      const half = rss.slice(Math.floor(rss.length / 2));
      const trend =
        half.length > 1
          ? slope(
              half.map(([t]) => t / 60),
              half.map(([, m]) => m),
            )
          : 0;
      console.log(
        [
          `soak ${SECONDS} s, ${SUBSCRIBERS} sync subscribers (${configEvents} config events received)`,
          ...lines,
          `rollouts ${JSON.stringify(phases)} ${JSON.stringify(rollouts.filter((r) => r.phase === 'Paused').map((r) => r.reason))}`,
          `RSS MiB every 10 s: ${rss.map(([, m]) => m).join(' ')}`,
          `RSS trend over the second half: ${trend.toFixed(2)} MiB/min`,
          `errors: ${JSON.stringify(errors)}`,
        ].join('\n'),
      );
      expect(errors).toEqual({});
      expect(phases.Completed ?? 0).toBeGreaterThan(0);
      expect(trend).toBeLessThan(5);
    },
    (SECONDS + 120) * 1000,
  );
});
