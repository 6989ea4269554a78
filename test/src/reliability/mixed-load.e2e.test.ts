import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../daemon-process.js';
import { HEAP_PROBE_ARGS, heapAfterGc, RestartableDaemon } from './restartable-daemon.js';

/** Soak length: `SOAK_SECONDS` (`pnpm test:soak` sets 600); CI runs 60 s, long enough for one gated rollout. */
const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const LONG = SECONDS >= 480;
const SUBSCRIBERS = Number(process.env.SOAK_SUBSCRIBERS ?? (LONG ? 200 : 50));
const OFREP_CLIENTS = LONG ? 4 : 2;
/** Heap after a forced GC, sampled this often: enough points for the trend to resolve a slow leak. */
const HEAP_EVERY_MS = 2_000;
/**
 * The heap trend bound, MiB per hour, over the second half of a long run (the first half fills the bounded caches:
 * trace index, hot slices). A 20 MiB/h leak is twice the bound; with a sample every 2 s over 5 minutes the trend's
 * standard error is about 3–4 MiB/h, so such a leak fails the run and a flat heap passes it.
 */
const HEAP_TREND_BOUND = 10;
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

/**
 * The gates every soak rollout passes through: success, p99, tokens against stable, a custom rate. Each is a limit
 * far from the A/A traffic's true value (success 99% against 90%, p99 under 2.7 s against 5 s, tokens +0% against
 * +50%), so a failing gate here can only be a bug. The limits' own regression tests are off (`compare: false`):
 * their A/A false-failure rate is a chosen α, measured by the calibration harness (docs/calibration.md), and a
 * soak that asserted "never" would fail now and then by design.
 */
const GATES = [
  { name: 'success_rate', threshold: '90%', compare: false },
  { name: 'latency_p99', threshold: '5000ms', compare: false },
  { name: 'tokens_per_request', maxIncrease: '50%' },
  {
    name: 'tool_ok_rate',
    from: { attribute: 'app.tool_ok', aggregate: 'rate' },
    threshold: '80%',
    compare: false,
  },
];

function pack(version: string, direction: boolean) {
  const metrics = direction
    ? GATES.map((g) => (g.name === 'tool_ok_rate' ? { ...g, direction: 'higher' } : g))
    : GATES;
  return {
    apiVersion: 'promptcanary.dev/v1alpha1',
    kind: 'PromptPack',
    metadata: { name: PACK },
    spec: {
      version,
      rollout: {
        canaryWeight: 10,
        stepWeight: 30,
        stepInterval: '10m',
        // At 60× the default 30 minutes of inconclusive looks would be 30 s: a busy CI machine can starve a step of
        // samples that long, which is not what this soak is about.
        analysis: { maxInconclusive: '2h', metrics },
      },
    },
  };
}

/** A/A traffic: the same distributions whichever version served the request. */
function aaAttributes() {
  const r = Math.random();
  return {
    error: r < 0.01,
    durationMs: 200 + Math.floor(Math.random() * Math.random() * 2_500),
    inputTokens: 500 + Math.floor(Math.random() * 300),
    outputTokens: 100 + Math.floor(Math.random() * 200),
    toolOk: Math.random() < 0.95,
  };
}

let daemon: RestartableDaemon | undefined;
const aborts: AbortController[] = [];
afterAll(async () => {
  for (const a of aborts) a.abort();
  await daemon?.kill('SIGTERM');
});

describe('mixed load soak', () => {
  it(
    `${SECONDS} s of OFREP, OTLP ingest, sync subscribers, admin writes and progressing rollouts`,
    async () => {
      // At 60× a 10-minute step takes 10 s: rollouts keep progressing and completing through the soak.
      daemon = new RestartableDaemon({
        port: await freePort(),
        db: ':memory:',
        env: { CANARYD_TIME_SCALE: '60' },
        nodeArgs: HEAP_PROBE_ARGS,
      });
      const d = daemon;
      await d.start();
      const app = await d.token('app', ['evaluate', 'ingest']);
      let version = 1;
      // Custom metrics state their direction in newer pack schemas and are unknown fields in older ones: the soak
      // applies whichever this daemon accepts (the gates are the same).
      let direction = true;
      const apply = async (v: string) => {
        let res = await d.request('PUT', `/api/v1/packs/${PACK}`, pack(v, direction));
        if (res.status === 400 && direction && (await res.clone().text()).includes('direction')) {
          direction = false;
          res = await d.request('PUT', `/api/v1/packs/${PACK}`, pack(v, direction));
        }
        return res;
      };
      expect((await apply(`1.0.${version}`)).status).toBe(201);

      const latencies: Record<string, number[]> = { ofrep: [], otlp: [], admin: [], config: [] };
      /** Gate verdicts seen on the live rollout's looks, `metric result` → count. */
      const verdicts: Record<string, number> = {};
      /** Why a gate failed, as the look said it: a soak that fails says why. */
      const failReasons: string[] = [];
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
      const heap: Array<[number, number]> = [];
      const started = Date.now();
      const sampler = setInterval(() => rss.push([(Date.now() - started) / 1000, rssMiB(d.pid)]), 10_000);
      const heapSampler = (async () => {
        while (Date.now() < end) {
          const bytes = await heapAfterGc(d);
          heap.push([(Date.now() - started) / 1000, bytes / 2 ** 20]);
          await new Promise((r) => setTimeout(r, HEAP_EVERY_MS));
        }
      })();
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
      let traceSeq = 0;
      const spans = (variants: ReadonlyArray<{ variant: string; atMs: number }>) => {
        return {
          resourceSpans: [
            {
              scopeSpans: [
                {
                  spans: variants.map(({ variant, atMs }, i) => {
                    const aa = aaAttributes();
                    return {
                      traceId: (++traceSeq).toString(16).padStart(32, '0'),
                      spanId: (i + 1).toString(16).padStart(16, '0'),
                      name: 'chat',
                      startTimeUnixNano: String(BigInt(atMs - aa.durationMs) * 1_000_000n),
                      endTimeUnixNano: String(BigInt(atMs) * 1_000_000n),
                      status: { code: aa.error ? 2 : 1 },
                      attributes: [
                        { key: 'feature_flag.key', value: { stringValue: PACK } },
                        { key: 'feature_flag.result.variant', value: { stringValue: variant } },
                        { key: 'gen_ai.usage.input_tokens', value: { intValue: String(aa.inputTokens) } },
                        { key: 'gen_ai.usage.output_tokens', value: { intValue: String(aa.outputTokens) } },
                        { key: 'app.tool_ok', value: { boolValue: aa.toolOk } },
                      ],
                    };
                  }),
                },
              ],
            },
          ],
        };
      };
      if (LONG) {
        // The trace join keeps the last 100,000 traces: filling it is a cache reaching its bound, not a leak (the
        // first 600 s run showed the heap rise 16 → 41 MiB over six minutes, then stay flat). Fill it first, with
        // spans of a live rollout split as its weight says, so that the trend measures what comes after.
        version++;
        expect((await apply(`1.0.${version}`)).status).toBe(200);
        for (let batch = 0; batch < 110; batch++) {
          const atMs = Date.now();
          const variants = Array.from({ length: 1000 }, (_, i) => ({
            variant: i % 10 === 0 ? `1.0.${version}` : `1.0.${version - 1}`,
            atMs,
          }));
          await timed('otlp', () => fetch(`${d.url}/v1/traces`, json(app, spans(variants))));
        }
      }
      await Promise.all([
        ...Array.from({ length: OFREP_CLIENTS }, (_, w) => loop(0, (i) => ofrep(w * 1_000_000 + i))),
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
          // What the gates said on the live rollout's latest look (the last look of a finished one is at 100 %,
          // where nothing is compared any more).
          const res = await d.request('GET', `/api/v1/rollouts?pack=${PACK}&phase=Progressing`);
          const [live] = (await res.json()) as Array<{ id: string }>;
          if (live === undefined) return;
          const detail = (await (await d.request('GET', `/api/v1/rollouts/${live.id}`)).json()) as {
            lastCheck: { checks: Array<{ metric: string; result: string; reason?: string }> } | null;
          };
          for (const check of detail.lastCheck?.checks ?? []) {
            const key = `${check.metric} ${check.result}`;
            verdicts[key] = (verdicts[key] ?? 0) + 1;
            if (check.result === 'Fail') failReasons.push(check.reason ?? '(no reason)');
          }
        }),
        loop(1000, async () => {
          // A new version whenever the last rollout finished: there is always one progressing.
          const res = await d.request('GET', `/api/v1/packs/${PACK}`);
          const current = (await res.json()) as { liveRollout: string | null };
          if (current.liveRollout === null) {
            version++;
            await timed('admin', () => apply(`1.0.${version}`));
          }
        }),
      ]);
      clearInterval(sampler);
      await heapSampler;

      const rollouts = (await (await d.request('GET', `/api/v1/rollouts?pack=${PACK}`)).json()) as Array<{
        id: string;
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
      const heapHalf = heap.slice(Math.floor(heap.length / 2));
      const heapTrend =
        heapHalf.length > 1
          ? slope(
              heapHalf.map(([t]) => t / 3600),
              heapHalf.map(([, m]) => m),
            )
          : 0;
      console.log(
        [
          `soak ${SECONDS} s, ${SUBSCRIBERS} sync subscribers (${configEvents} config events received)`,
          ...lines,
          `rollouts ${JSON.stringify(phases)} ${JSON.stringify(rollouts.filter((r) => r.phase !== 'Completed' && r.phase !== 'Progressing').map((r) => `${r.phase}: ${r.reason}`))}`,
          `failed gates: ${JSON.stringify(failReasons)}`,
          `RSS MiB every 10 s: ${rss.map(([, m]) => m).join(' ')}`,
          `RSS trend over the second half: ${trend.toFixed(2)} MiB/min`,
          `heap after GC MiB every ${HEAP_EVERY_MS / 1000} s: ${heap.map(([, m]) => m.toFixed(1)).join(' ')}`,
          `heap trend over the second half: ${heapTrend.toFixed(1)} MiB/h (bound ${HEAP_TREND_BOUND} MiB/h on runs of 480 s or more)`,
          `gate verdicts on live rollouts' looks: ${JSON.stringify(verdicts)}`,
          `errors: ${JSON.stringify(errors)}`,
        ].join('\n'),
      );
      expect(errors).toEqual({});
      expect(phases.Completed ?? 0).toBeGreaterThan(0);
      // A/A traffic through four gates: nothing may pause or roll back.
      expect(Object.keys(phases).filter((phase) => phase !== 'Completed' && phase !== 'Progressing')).toEqual(
        [],
      );
      // Every gate judged the traffic and passed it at some look; none ever failed.
      for (const gate of GATES) expect(verdicts[`${gate.name} Pass`] ?? 0, gate.name).toBeGreaterThan(0);
      expect(Object.keys(verdicts).filter((key) => key.endsWith(' Fail'))).toEqual([]);
      expect(heap.length).toBeGreaterThan(2);
      // A one-minute run cannot resolve a slow leak (the trend's error is larger than the bound): the long run can.
      if (LONG) expect(heapTrend).toBeLessThan(HEAP_TREND_BOUND);
    },
    (SECONDS + 120) * 1000,
  );
});
