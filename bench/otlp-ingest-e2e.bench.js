// End-to-end OTLP ingest: spans/s that canaryd acknowledges on POST /v1/traces (HTTP, protobuf decode, flag
// filter, unit-aware aggregation and the SQLite commit that happens before the 2xx), against the floor of the same
// run: protobufjs decoding the same requests and nothing else, on one core. The daemon is pinned to core 0, this
// process (autocannon, the load tool, and the floor) to core 1, so the two do not share a core.
//
//   pnpm --filter @prompt-canary/bench run otlp-e2e      (expects apps/daemon/dist to be built)
//   OTLP_E2E_DB=postgres://user@127.0.0.1/canary_bench pnpm --filter @prompt-canary/bench run otlp-e2e
//                                                        (the same on PostgreSQL: an empty database or schema)
//   OTLP_E2E_DB=postgres://postgres@127.0.0.1/test OTLP_E2E_REPLICAS=3 pnpm --filter @prompt-canary/bench run otlp-e2e
//                                                        (three replicas on one database, in a fresh schema; the
//                                                        load tool's connections spread over them, none pinned)
//
// Every run is bounded: ROUNDS × DURATION seconds of load, a fixed number of floor passes.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { otlpSchema } from '@prompt-canary/daemon/otlp';
import autocannon from 'autocannon';
import { ADMIN_TOKEN, adminClient, startNodeServer } from './lib/daemon-process.js';
import { cpuSeconds, fmt, median } from './lib/machine.js';
import { int, kv, PROMPT, randomBytes, str, xorshift } from './lib/otlp-values.js';
import { freshSchema } from './lib/pg-schema.js';

const SPANS = Number(process.env.OTLP_E2E_SPANS ?? 1000); // spans per request
const PAYLOADS = 8;
const ROUNDS = Number(process.env.OTLP_E2E_ROUNDS ?? 5);
const DURATION = Number(process.env.OTLP_E2E_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.OTLP_E2E_CONNECTIONS ?? 4);
const FLOOR_PASSES = 40;
const FLOOR_SAMPLES = 3;
const PACK = 'bench-prompts';
/** A `postgres://` URL runs the daemon on PostgreSQL; by default a fresh SQLite file. */
const DB = process.env.OTLP_E2E_DB;
const ENGINE = DB?.startsWith('postgres') ? 'PostgreSQL' : 'SQLite';
/** Replicas sharing the database (PostgreSQL only); the load tool's connections are spread over them. */
const REPLICAS = Number(process.env.OTLP_E2E_REPLICAS ?? 1);
if (REPLICAS > 1 && ENGINE !== 'PostgreSQL')
  throw new Error('OTLP_E2E_REPLICAS > 1 needs OTLP_E2E_DB=postgres://…');
const MAIN =
  process.env.BENCH_DAEMON_MAIN ?? fileURLToPath(new URL('../apps/daemon/dist/main.js', import.meta.url));

const schema = otlpSchema();
const Request = schema.exportTraceServiceRequest;

const random = xorshift(0x9e3779b9);
const bytes = (n) => randomBytes(random, n);

/** Sessions of about six turns: a unit id repeats for a geometric number of consecutive spans. */
let unit = 0;
let turnsLeft = 0;
function nextUnit() {
  if (turnsLeft <= 0) {
    unit += 1;
    turnsLeft = 1 + Math.floor(Math.log(1 - random()) / Math.log(5 / 6));
  }
  turnsLeft -= 1;
  return `u${unit.toString(16).padStart(12, '0')}`;
}

/** The split is sticky per unit, as the provider's bucketing is: a unit's requests all go to one arm. */
const armOfUnit = new Map();

function makeSpan(nowNs) {
  const durationNs = BigInt(Math.floor(200_000_000 + random() * 2_800_000_000));
  const unitId = nextUnit();
  let canary = armOfUnit.get(unitId);
  if (canary === undefined) {
    canary = random() < 0.1;
    armOfUnit.set(unitId, canary);
  }
  return {
    traceId: bytes(16),
    spanId: bytes(8),
    name: 'chat',
    kind: 2,
    startTimeUnixNano: String(nowNs - durationNs),
    endTimeUnixNano: String(nowNs),
    attributes: [
      kv('http.request.method', str('POST')),
      kv('http.route', str('/api/chat')),
      kv('http.response.status_code', int(200)),
      kv('gen_ai.system', str('openai')),
      kv('gen_ai.operation.name', str('chat')),
      kv('gen_ai.response.finish_reasons', { arrayValue: { values: [str('stop')] } }),
      kv('app.tool_call.correct', { boolValue: random() < 0.9 }),
      ...(random() < 0.25
        ? [
            kv('gen_ai.prompt.0.content', str(PROMPT)),
            kv('gen_ai.completion.0.content', str(PROMPT.slice(0, 300))),
          ]
        : []),
      kv('gen_ai.request.model', str('gpt-x')),
      kv('gen_ai.usage.input_tokens', int(Math.floor(200 + random() * 2000))),
      kv('gen_ai.usage.output_tokens', int(Math.floor(20 + random() * 500))),
      kv('feature_flag.key', str(PACK)),
      kv('feature_flag.result.variant', str(canary ? '2.1.0' : '2.0.0')),
      kv('feature_flag.result.reason', str('split')),
      kv('feature_flag.context.id', str(unitId)),
    ],
    status: { code: random() < 0.05 ? 2 : 0 },
  };
}

function makePayloads() {
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  return Array.from({ length: PAYLOADS }, () => {
    const spans = Array.from({ length: SPANS }, () => makeSpan(nowNs));
    const message = Request.fromObject({
      resourceSpans: [
        { resource: { attributes: [kv('service.name', str('bench'))] }, scopeSpans: [{ spans }] },
      ],
    });
    return Buffer.from(Request.encode(message).finish());
  });
}

/** Spans/s of protobufjs decoding the payloads, nothing else: one timed sample (wall time and this process's CPU). */
function floorSample(payloads) {
  let kept = 0;
  const cpuBefore = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let pass = 0; pass < FLOOR_PASSES; pass++) {
    for (const body of payloads) kept += Request.decode(body).resourceSpans.length;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  if (kept < 0) console.log(kept);
  const spans = FLOOR_PASSES * PAYLOADS * SPANS;
  floorCpuUs.push((cpu.user + cpu.system) / spans);
  return spans / seconds;
}

/** CPU µs per span of every floor sample: steadier than spans/s when other work shares the machine. */
const floorCpuUs = [];

/** The floor: the median of several samples, so one slow moment of the machine does not move it. */
function floorRate(payloads) {
  return median(Array.from({ length: FLOOR_SAMPLES }, () => floorSample(payloads)));
}

function pin(pid, core) {
  try {
    execFileSync('taskset', ['-a', '-cp', String(core), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Runs the load on every replica at once, `CONNECTIONS` spread over them, and adds up what they answered. */
async function loadAll(urls, token, payloads) {
  const shares = urls.map(
    (_, r) => Math.floor(CONNECTIONS / urls.length) + (r < CONNECTIONS % urls.length ? 1 : 0),
  );
  const results = await Promise.all(
    urls.flatMap((url, r) => (shares[r] > 0 ? [load(url, token, payloads, shares[r])] : [])),
  );
  return {
    '2xx': results.reduce((n, x) => n + x['2xx'], 0),
    non2xx: results.reduce((n, x) => n + x.non2xx, 0),
    errors: results.reduce((n, x) => n + x.errors, 0),
    duration: Math.max(...results.map((x) => x.duration)),
    latency: { p99: Math.max(...results.map((x) => x.latency.p99)) },
  };
}

function load(url, token, payloads, connections = CONNECTIONS) {
  let i = 0;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        connections,
        duration: DURATION,
        requests: [
          {
            method: 'POST',
            path: '/v1/traces',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-protobuf' },
            setupRequest: (request) => {
              request.body = payloads[i++ % payloads.length];
              return request;
            },
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

const dir = mkdtempSync(join(tmpdir(), 'otlp-e2e-'));
// On PostgreSQL every run gets a fresh schema of its own, so runs never share rows.
const runSchema = ENGINE === 'PostgreSQL' && DB !== undefined ? await freshSchema(DB, 'otlp') : undefined;
const servers = [];
for (let r = 0; r < REPLICAS; r++) {
  servers.push(
    await startNodeServer(
      'canaryd',
      [
        ...(process.env.OTLP_E2E_NODE_ARGS ?? '').split(' ').filter(Boolean),
        MAIN,
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--db',
        runSchema?.url ?? DB ?? join(dir, 'canary.db'),
      ],
      { CANARYD_ADMIN_TOKEN: ADMIN_TOKEN, CANARYD_LOG_LEVEL: '' },
    ),
  );
}
const server = servers[0];
// Pinning puts one daemon on one core; replicas share both cores with the load tool instead.
const pinned = REPLICAS === 1 && pin(server.pid, 0) && pin(process.pid, 1);
const baseUrl = `http://127.0.0.1:${server.port}`;
const urls = servers.map((s) => `http://127.0.0.1:${s.port}`);
const daemonCpu = () => servers.reduce((sum, s) => sum + cpuSeconds(s.pid), 0);
const api = adminClient(baseUrl, ADMIN_TOKEN);
try {
  const pack = (version) => ({
    apiVersion: 'promptcanary.dev/v1alpha1',
    kind: 'PromptPack',
    metadata: { name: PACK },
    spec: {
      version,
      rollout: {
        canaryWeight: 10,
        stepWeight: 10,
        stepInterval: '1h',
        analysis: {
          metrics: [
            { name: 'success_rate', threshold: '90%', comparison: '>=' },
            { name: 'latency_p99', threshold: '3000ms', comparison: '<=' },
            { name: 'tokens_per_request', maxIncrease: '50%' },
          ],
        },
      },
    },
  });
  await api('PUT', `/api/v1/packs/${PACK}`, pack('2.0.0'));
  await api('PUT', `/api/v1/packs/${PACK}`, pack('2.1.0'));
  const { token } = await api('POST', '/api/v1/tokens', { name: 'bench-ingest', scopes: ['ingest'] });

  const rows = [];
  for (let round = 0; round < ROUNDS; round++) {
    const payloads = makePayloads(); // fresh end times, so the spans land in the rollout's current slices
    floorCpuUs.length = 0;
    const before = floorRate(payloads);
    const cpuBefore = daemonCpu();
    const result = await loadAll(urls, token, payloads);
    const daemonCpuUs = ((daemonCpu() - cpuBefore) * 1e6) / (result['2xx'] * SPANS);
    const after = floorRate(payloads);
    const floor = (before + after) / 2;
    const e2e = (result['2xx'] * SPANS) / result.duration;
    const floorCpu = median(floorCpuUs);
    rows.push({
      floor,
      e2e,
      ratio: e2e / floor,
      floorCpu,
      daemonCpuUs,
      cpuRatio: floorCpu / daemonCpuUs,
      p99: result.latency.p99,
      non2xx: result.non2xx,
    });
    console.error(
      `round ${round + 1}/${ROUNDS}: end to end ${fmt(e2e)} spans/s, floor ${fmt(floor)} spans/s, ×${(e2e / floor).toFixed(2)}; CPU per span: daemon ${daemonCpuUs.toFixed(2)} µs, floor ${floorCpu.toFixed(2)} µs (×${(floorCpu / daemonCpuUs).toFixed(2)}); p99 ${result.latency.p99} ms, non-2xx ${result.non2xx}, errors ${result.errors}`,
    );
  }
  const analysis = await api('GET', '/api/v1/rollouts').then((list) =>
    api('GET', `/api/v1/rollouts/${list[0].id}/analysis?window=rollout`),
  );
  const col = (key) => median(rows.map((r) => r[key]));
  console.log(`## OTLP ingest, end to end

Node ${process.version}, ${cpus().length} cores; ${REPLICAS > 1 ? `${REPLICAS} canaryd replicas on one database, the connections spread over them,` : 'canaryd'} (${ENGINE === 'SQLite' ? 'file database' : 'PostgreSQL on this machine, not pinned'}) ${pinned ? 'pinned to core 0, load tool and floor to core 1' : REPLICAS > 1 ? 'not pinned' : 'not pinned (taskset failed)'};
1-minute load average ${loadavg()[0].toFixed(1)} at the end. ${PAYLOADS} ExportTraceServiceRequest payloads of ${SPANS} flagged
spans shaped like the in-process OTLP benchmark's (12–16 attributes, a quarter with prompt and completion
contents, which are dropped; sessions of ~6 turns carrying \`feature_flag.context.id\`, 10% canary), autocannon ${CONNECTIONS} connections,
${ROUNDS} rounds of ${DURATION} s; the floor is protobufjs decoding the same payloads on one core (median of 3 samples of 320,000 spans), measured
before and after each round. Median over rounds.

| path | spans/s | × floor | CPU µs per span | × floor (CPU) | request p99 (ms) |
|---|---:|---:|---:|---:|---:|
| protobufjs \`decode\` only (floor) | ${fmt(col('floor'))} | 1.00 | ${col('floorCpu').toFixed(2)} | 1.00 | — |
| \`POST /v1/traces\`${REPLICAS > 1 ? ` over ${REPLICAS} replicas` : ''}: HTTP + decode + aggregation + ${ENGINE} commit before the 2xx | ${fmt(col('e2e'))} | ${col('ratio').toFixed(2)} | ${col('daemonCpuUs').toFixed(2)} | ${col('cpuRatio').toFixed(2)} | ${col('p99')} |

Non-2xx answers: ${rows.reduce((n, r) => n + r.non2xx, 0)}. Units counted by the analysis afterwards: ${JSON.stringify(analysis.srm.units ?? null)}.
`);
} finally {
  for (const s of servers) await s.stop();
  await runSchema?.drop();
  rmSync(dir, { recursive: true, force: true });
}
