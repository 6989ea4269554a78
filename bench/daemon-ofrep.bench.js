// OFREP single-flag evaluation throughput: the real canaryd (child process, in-memory database, production log
// level, bearer token with the `evaluate` scope) against a bare Hono route on @hono/node-server (another child
// process) that parses the same JSON body and answers a JSON object of the same size. One load tool, autocannon,
// at 50 connections; every request carries a different targeting key. Runs alternate between the two servers so
// that machine load hits both alike. Prints a Markdown table for docs/benchmarks.md.
//
//   pnpm --filter @prompt-canary/bench run ofrep        (expects apps/daemon/dist to be built)
//   OFREP_ROUNDS=3 OFREP_DURATION=10 pnpm --filter @prompt-canary/bench run ofrep
//   OFREP_PROFILE=daemon pnpm --filter @prompt-canary/bench run ofrep   (one server under --cpu-prof; or =bare)
//   OFREP_BASELINE=/path/to/other/dist/main.js …   (also runs that build, interleaved: a before/after comparison;
//     the build needs the daemon's node_modules beside its dist, e.g. a copy of apps/daemon/{dist,package.json}
//     with a node_modules symlink)

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { profileTop } from './lib/cpu-profile.js';
import { createToken, splitFlag, startDaemon, startNodeServer } from './lib/daemon-process.js';
import { cpuSeconds, fmt, loadAverage, machineLine, median, quantile, sleep } from './lib/machine.js';

const ROUNDS = Number(process.env.OFREP_ROUNDS ?? 3);
const DURATION = Number(process.env.OFREP_DURATION ?? 10); // seconds per timed run
const WARMUP = Number(process.env.OFREP_WARMUP ?? 3); // seconds, once per server
const CONNECTIONS = 50;
// `daemon` or `bare`: run only that server, under --cpu-prof, and print where its time goes.
const PROFILE = process.env.OFREP_PROFILE;
const BASELINE = process.env.OFREP_BASELINE;
const FLAG_KEY = 'support-prompts';
const PATH = `/ofrep/v1/evaluate/flags/${FLAG_KEY}`;
const KEY_COUNT = 65536;
const MASK = KEY_COUNT - 1;
const MAX_SAMPLES = 2_000_000; // latency samples kept per run (bounded memory)

const keys = Array.from({ length: KEY_COUNT }, (_, i) => `user-${((i * 2654435761) >>> 0).toString(36)}`);

const servers = [];
const cleanup = async () => {
  await Promise.allSettled(servers.map((s) => s.stop()));
};
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));
process.on('SIGTERM', () => void cleanup().then(() => process.exit(143)));

/** One autocannon run; latencies are taken from every response (autocannon's own histogram keeps whole ms). */
function load(url, token, seconds, pid) {
  let i = 0;
  const cpuBefore = cpuSeconds(pid);
  const selfBefore = process.cpuUsage();
  const latencies = new Float64Array(MAX_SAMPLES);
  let n = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: CONNECTIONS,
        duration: seconds,
        requests: [
          {
            method: 'POST',
            path: PATH,
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            setupRequest: (request) => {
              request.body = JSON.stringify({ context: { targetingKey: keys[i++ & MASK], plan: 'pro' } });
              return request;
            },
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        const sorted = latencies.subarray(0, n).sort();
        const self = process.cpuUsage(selfBefore);
        resolve({
          // CPU time per request: the server's, and the load generator's (this process).
          serverCpuUs: ((cpuSeconds(pid) - cpuBefore) * 1e6) / result.requests.total,
          loaderCpuUs: (self.user + self.system) / result.requests.total,
          rps: result.requests.total / result.duration,
          p50: quantile(sorted, 0.5),
          p99: quantile(sorted, 0.99),
          non2xx: result.non2xx,
          errors: result.errors + result.timeouts,
          total: result.requests.total,
        });
      },
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      if (n < MAX_SAMPLES) latencies[n++] = responseTime;
    });
  });
}

async function post(baseUrl, token, targetingKey) {
  const response = await fetch(baseUrl + PATH, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ context: { targetingKey, plan: 'pro' } }),
  });
  return { status: response.status, text: await response.text() };
}

async function main() {
  const profileDir = PROFILE ? mkdtempSync(join(tmpdir(), 'ofrep-prof-')) : undefined;
  const profileArgs = (who) => (PROFILE === who ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []);
  const daemon = await startDaemon({ nodeArgs: profileArgs('daemon') });
  servers.push(daemon);
  await daemon.api('PUT', `/api/v1/flags/${FLAG_KEY}`, splitFlag(FLAG_KEY));
  const token = await createToken(daemon.api, 'bench-evaluate', ['evaluate']);

  // What the daemon answers, and its size: the bare route answers the same number of bytes.
  const sample = await post(daemon.baseUrl, token, keys[0]);
  if (sample.status !== 200) throw new Error(`OFREP answered ${sample.status}: ${sample.text}`);
  const responseBytes = Buffer.byteLength(sample.text);
  let canary = 0;
  for (let k = 0; k < 1000; k++) {
    const { status, text } = await post(daemon.baseUrl, token, keys[k]);
    if (status !== 200) throw new Error(`OFREP answered ${status}: ${text}`);
    if (JSON.parse(text).variant === 'canary') canary++;
  }
  console.error(`daemon answer (${responseBytes} bytes): ${sample.text}; ${canary}/1000 canary`);

  const targets = [['canaryd OFREP', daemon.baseUrl, daemon.pid]];
  if (PROFILE !== 'daemon') {
    const bare = await startNodeServer(
      'bare hono',
      [...profileArgs('bare'), fileURLToPath(new URL('./lib/bare-hono-server.js', import.meta.url))],
      { RESPONSE_BYTES: String(responseBytes) },
    );
    servers.push(bare);
    const bareUrl = `http://127.0.0.1:${bare.port}`;
    const bareSample = await post(bareUrl, token, keys[0]);
    if (Buffer.byteLength(bareSample.text) !== responseBytes)
      throw new Error(`bare answer is ${Buffer.byteLength(bareSample.text)} bytes, not ${responseBytes}`);
    targets.unshift(['bare Hono route (floor)', bareUrl, bare.pid]);
    if (PROFILE === 'bare') targets.pop();
  }
  if (BASELINE && !PROFILE) {
    const before = await startDaemon({ main: BASELINE });
    servers.push(before);
    await before.api('PUT', `/api/v1/flags/${FLAG_KEY}`, splitFlag(FLAG_KEY));
    const beforeToken = await createToken(before.api, 'bench-evaluate', ['evaluate']);
    const beforeSample = await post(before.baseUrl, beforeToken, keys[0]);
    if (beforeSample.text !== sample.text) throw new Error(`baseline answers ${beforeSample.text}`);
    targets.push(['canaryd OFREP (baseline build)', before.baseUrl, before.pid, beforeToken]);
  }

  for (const [name, url, pid, own = token] of targets) {
    console.error(`warm-up ${name} (${WARMUP} s)`);
    await load(url, own, WARMUP, pid);
  }

  const results = new Map(targets.map(([name]) => [name, []]));
  const loads = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate the order each round, so neither server always runs second.
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    for (const [name, url, pid, own = token] of order) {
      await sleep(500);
      const result = await load(url, own, DURATION, pid);
      result.load = loadAverage()[0];
      loads.push(result.load);
      results.get(name).push(result);
      console.error(
        `round ${round + 1}/${ROUNDS} ${name}: ${fmt(result.rps)} req/s, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, non-2xx ${result.non2xx}, errors ${result.errors}, server CPU ${result.serverCpuUs.toFixed(1)} µs/req, autocannon CPU ${result.loaderCpuUs.toFixed(1)} µs/req (load ${result.load.toFixed(2)})`,
      );
    }
  }
  await cleanup();

  if (PROFILE) {
    const requests = [...results.values()].flat().reduce((n, r) => n + r.total, 0);
    console.log(profileTop(profileDir, requests));
    rmSync(profileDir, { recursive: true, force: true });
    return;
  }

  const [bareName, daemonName] = [targets[0][0], targets[1][0]];
  const bareRuns = results.get(bareName);
  const daemonRuns = results.get(daemonName);
  // Per-round ratios: each pair ran back to back.
  const ratios = daemonRuns.map((d, k) => d.rps / bareRuns[k].rps);
  const row = (name, runs, ratio) => {
    const rps = runs.map((r) => r.rps);
    const bad = runs.reduce((n, r) => n + r.non2xx + r.errors, 0);
    return `| ${name} | ${fmt(median(rps))} | ${fmt(Math.min(...rps))}–${fmt(Math.max(...rps))} | ${median(runs.map((r) => r.p50)).toFixed(2)} | ${median(runs.map((r) => r.p99)).toFixed(2)} | ${Math.max(...runs.map((r) => r.p99)).toFixed(2)} | ${median(runs.map((r) => r.serverCpuUs)).toFixed(1)} | ${bad} | ${ratio} |`;
  };
  const baselineRow = () => {
    if (targets.length < 3) return '';
    const runs = results.get(targets[2][0]);
    const r = runs.map((d, k) => d.rps / bareRuns[k].rps);
    return `\n${row(targets[2][0], runs, `${median(r).toFixed(2)} (${r.map((x) => x.toFixed(2)).join(', ')})`)}`;
  };
  console.log(`| server | req/s (median) | min–max over runs | p50 ms | p99 ms (median) | p99 ms (worst run) | server CPU µs/req | non-2xx + errors | × bare (median of per-round ratios) |
|---|---:|---:|---:|---:|---:|---:|---:|---:|
${row(bareName, bareRuns, '1.00')}
${row(daemonName, daemonRuns, `${median(ratios).toFixed(2)} (${ratios.map((r) => r.toFixed(2)).join(', ')})`)}${baselineRow()}

${machineLine(loads)}
autocannon ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${DURATION} s per server after a ${WARMUP} s warm-up each;
${KEY_COUNT} targeting keys cycled, one per request; response ${responseBytes} bytes from both; ${canary}/1000 canary.`);
}

main().catch(async (error) => {
  console.error(error);
  await cleanup();
  process.exit(1);
});
