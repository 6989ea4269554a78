// Config push fan-out: 1,000 SSE subscribers on loopback to canaryd's `GET /api/v1/sync` (two client processes of
// 500 plain node:http connections each), then a config change (`PUT /api/v1/flags/...`) per round. Per subscriber,
// the latency is from a timestamp taken just before the PUT to the moment it read the `config` event carrying the
// new revision (both clocks are performance.timeOrigin + performance.now() on the same machine). Prints a Markdown
// table for docs/benchmarks.md.
//
//   pnpm --filter @prompt-canary/bench run sync        (expects apps/daemon/dist to be built)
//   SYNC_SUBSCRIBERS=1000 SYNC_ROUNDS=20 SYNC_WARMUP=3 pnpm --filter @prompt-canary/bench run sync
//
// The first SYNC_WARMUP rounds (3 by default) are warm-up: run and printed like the others (labelled
// `warm-up`), but not part of the recorded rounds. The table shows both: all rounds including the warm-up, the
// warm-up rounds alone, and the recorded rounds after the warm-up.
//   SYNC_PROFILE=1 pnpm --filter @prompt-canary/bench run sync     (canaryd under --cpu-prof; prints the top)
//   SYNC_DB=postgres://postgres@127.0.0.1/test SYNC_REPLICAS=3 pnpm --filter @prompt-canary/bench run sync
//       (replicas on one PostgreSQL database, in a fresh schema: subscriber process p holds its streams on replica
//       p mod SYNC_REPLICAS, and every change is committed through the first replica, so most subscribers hear it
//       through the database's notification)

import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { profileTop } from './lib/cpu-profile.js';
import { createToken, splitFlag, startDaemon } from './lib/daemon-process.js';
import { fmt, loadAverage, machineLine, median, quantile, sleep } from './lib/machine.js';
import { freshSchema } from './lib/pg-schema.js';

const SUBSCRIBERS = Number(process.env.SYNC_SUBSCRIBERS ?? 1000);
const REPLICAS = Number(process.env.SYNC_REPLICAS ?? 1);
const DB = process.env.SYNC_DB; // a postgres:// URL; default: one daemon on :memory:
const PROCESSES = Number(process.env.SYNC_PROCESSES ?? Math.max(2, REPLICAS));
const ROUNDS = Number(process.env.SYNC_ROUNDS ?? 20); // recorded rounds, after the warm-up
const WARMUP = Number(process.env.SYNC_WARMUP ?? 3); // rounds run first and printed, but not recorded
const FLAGS = Number(process.env.SYNC_FLAGS ?? 20); // flags in the config, so each event carries a real snapshot
const GAP_MS = 500; // between rounds
const ROUND_TIMEOUT_MS = 10_000;
const FLAG_KEY = 'support-prompts';
// `1`: run canaryd under --cpu-prof and print where its time goes per delivery (the whole run, setup included).
const PROFILE = process.env.SYNC_PROFILE === '1';

const children = new Set();
const stopChildren = () => {
  for (const child of children) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
};
process.on('exit', stopChildren);

function startSubscribers(url, token, count) {
  const child = fork(fileURLToPath(new URL('./lib/sse-subscribers.js', import.meta.url)), {
    detached: true,
    env: { ...process.env, SYNC_URL: url, SYNC_TOKEN: token, SYNC_COUNT: String(count) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  const next = (type) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`subscribers: no '${type}' in time`)), 60_000);
      const onMessage = (message) => {
        if (message.type === 'error') {
          clearTimeout(timer);
          child.off('message', onMessage);
          reject(new Error(message.message));
        } else if (message.type === type) {
          clearTimeout(timer);
          child.off('message', onMessage);
          resolve(message);
        }
      };
      child.on('message', onMessage);
    });
  return {
    child,
    ready: next('ready'),
    received: (after) => {
      const answer = next('received');
      child.send({ type: 'await', after, timeoutMs: ROUND_TIMEOUT_MS });
      return answer;
    },
    stop: () => {
      if (child.connected) child.send({ type: 'stop' });
    },
  };
}

async function main() {
  const profileDir = PROFILE ? mkdtempSync(join(tmpdir(), 'sync-prof-')) : undefined;
  if (REPLICAS > 1 && DB === undefined) throw new Error('SYNC_REPLICAS > 1 needs SYNC_DB=postgres://…');
  const schema = DB === undefined ? undefined : await freshSchema(DB, 'sync');
  const replicas = [];
  for (let r = 0; r < REPLICAS; r++) {
    replicas.push(
      await startDaemon({
        nodeArgs: profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [],
        // The stream cap (10,000 by default) set explicitly, well above the subscribers.
        env: { CANARYD_MAX_STREAMS: String(SUBSCRIBERS * 2 + 100) },
        ...(schema === undefined ? {} : { db: schema.url }),
      }),
    );
  }
  const daemon = replicas[0];
  let deliveries = 0;
  try {
    for (let f = 1; f < FLAGS; f++) {
      await daemon.api(
        'PUT',
        `/api/v1/flags/feature-${f}`,
        splitFlag(`feature-${f}`, { canaryWeight: f % 50 }),
      );
    }
    await daemon.api('PUT', `/api/v1/flags/${FLAG_KEY}`, splitFlag(FLAG_KEY));
    const token = await createToken(daemon.api, 'bench-sync', ['evaluate']);
    const snapshotBytes = Buffer.byteLength(JSON.stringify(await daemon.api('GET', '/api/v1/config')));

    const started = performance.now();
    const per = Math.ceil(SUBSCRIBERS / PROCESSES);
    const groups = [];
    for (let p = 0; p < PROCESSES; p++) {
      const count = Math.min(per, SUBSCRIBERS - p * per);
      const on = replicas[p % replicas.length];
      if (count > 0) groups.push(startSubscribers(`${on.baseUrl}/api/v1/sync`, token, count));
    }
    const ready = await Promise.all(groups.map((g) => g.ready));
    let revision = Math.min(...ready.map((r) => r.revision));
    const connected = ready.reduce((n, r) => n + r.count, 0);
    console.error(
      `${connected} subscribers connected in ${((performance.now() - started) / 1000).toFixed(1)} s at revision ${revision}; snapshot ${snapshotBytes} bytes`,
    );
    await sleep(1000);

    const all = [];
    const rounds = [];
    const warmups = [];
    const loads = [];
    for (let round = 0; round < WARMUP + ROUNDS; round++) {
      const warm = round < WARMUP;
      const weight = round % 2 === 0 ? 11 : 10;
      const pending = groups.map((g) => g.received(revision));
      const t0 = performance.timeOrigin + performance.now();
      await daemon.api('PUT', `/api/v1/flags/${FLAG_KEY}`, splitFlag(FLAG_KEY, { canaryWeight: weight }));
      const committed = performance.timeOrigin + performance.now() - t0;
      const answers = await Promise.all(pending);
      const latencies = answers.flatMap((a) => a.times.map((t) => t - t0)).sort((a, b) => a - b);
      const missing = answers.reduce((n, a) => n + a.missing, 0);
      const next = Math.max(...answers.map((a) => a.revision));
      const load = loadAverage()[0];
      loads.push(load);
      (warm ? warmups : rounds).push({ committed, latencies, missing, load });
      if (!warm) all.push(...latencies);
      deliveries += latencies.length;
      const label = warm
        ? `warm-up round ${round + 1}/${WARMUP} (not recorded)`
        : `round ${round - WARMUP + 1}/${ROUNDS}`;
      console.error(
        `${label}: revision ${next}, PUT answered after ${committed.toFixed(1)} ms; ` +
          `p50 ${quantile(latencies, 0.5).toFixed(1)} ms, p99 ${quantile(latencies, 0.99).toFixed(1)} ms, ` +
          `max ${latencies.at(-1)?.toFixed(1)} ms; ${missing} missing (load ${load.toFixed(2)})`,
      );
      revision = next;
      await sleep(GAP_MS);
    }
    for (const g of groups) g.stop();
    await sleep(200);

    all.sort((a, b) => a - b);
    const warm = warmups.flatMap((r) => r.latencies).sort((a, b) => a - b);
    const everything = [...warm, ...all].sort((a, b) => a - b);
    const missing = [...warmups, ...rounds].reduce((n, r) => n + r.missing, 0);
    const perRound = (q) => rounds.map((r) => quantile(r.latencies, q));
    const ms = (n) => n.toFixed(1);
    const row = (name, sorted) =>
      `| ${name} | ${ms(quantile(sorted, 0.5))} | ${ms(quantile(sorted, 0.95))} | ${ms(quantile(sorted, 0.99))} | ${ms(sorted.at(-1))} |`;
    const warmRows =
      WARMUP > 0
        ? `${row(`all rounds including warm-up (${fmt(everything.length)} = ${connected} subscribers × ${WARMUP + ROUNDS} rounds)`, everything)}
${row(`warm-up rounds only (${fmt(warm.length)}, ${WARMUP} rounds; per-round p99 ${warmups.map((r) => ms(quantile(r.latencies, 0.99))).join(', ')})`, warm)}
`
        : '';
    console.log(`| measure | p50 ms | p95 ms | p99 ms | max ms |
|---|---:|---:|---:|---:|
${warmRows}${row(`${WARMUP > 0 ? 'after warm-up: ' : ''}all deliveries (${fmt(all.length)} = ${connected} subscribers × ${ROUNDS} rounds)`, all)}
| per-round p99${WARMUP > 0 ? ' after warm-up' : ''}, median (worst) over rounds | | | ${ms(median(perRound(0.99)))} (${ms(Math.max(...perRound(0.99)))}) | |
| PUT → its HTTP answer (commit), over rounds | ${ms(median(rounds.map((r) => r.committed)))} | | | ${ms(Math.max(...rounds.map((r) => r.committed)))} |

${machineLine(loads)}
${REPLICAS > 1 ? `${REPLICAS} canaryd replicas on one PostgreSQL database, subscriber processes spread over them, every change committed through the first; ` : DB === undefined ? '' : 'canaryd on PostgreSQL; '}${connected} subscribers in ${groups.length} node:http client processes, ${WARMUP} warm-up rounds (not recorded) then ${ROUNDS} rounds ${GAP_MS} ms apart, each a
\`PUT /api/v1/flags/${FLAG_KEY}\` changing the split (${FLAGS} flags in the config, ${fmt(snapshotBytes)}-byte snapshot per
event); latency from just before the PUT to each subscriber reading the new revision; ${missing} deliveries missing.`);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    for (const replica of replicas) await replica.stop();
    await schema?.drop();
    if (profileDir) {
      console.log(`\n${profileTop(profileDir, Math.max(1, deliveries), 'delivery')}`);
      rmSync(profileDir, { recursive: true, force: true });
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
