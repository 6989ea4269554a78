// OTLP ingest benchmark: spans/s through canaryd's decode + flag-filter path (`decodeTraces`) against the bare
// protobufjs decode of the same ExportTraceServiceRequest payloads (the floor), then RSS over a long run.
// Prints a Markdown table for docs/benchmarks.md.
//
//   pnpm bench                                              (builds, then runs every benchmark)
//   pnpm --filter @prompt-canary/bench run otlp             (expects apps/daemon/dist to be built)
//   OTLP_BENCH_LONG_SPANS=10000000 pnpm --filter @prompt-canary/bench run otlp   (the 10M-span RSS run)
//
// Plain JavaScript on purpose, like the other benchmarks: it runs the built package as the daemon runs it.

import { availableParallelism, loadavg } from 'node:os';
import { decodeTraces, otlpSchema } from '@prompt-canary/daemon/otlp';
import { int, kv, PROMPT, randomBytes, str, xorshift } from './lib/otlp-values.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const BATCH = 512; // spans per request, the OTel SDK BatchSpanProcessor's default export size
const PAYLOADS = 16; // distinct requests, cycled
const ROUNDS = Number(process.env.OTLP_BENCH_ROUNDS ?? 40); // passes over the payloads per timed run
const LONG_SPANS = Number(process.env.OTLP_BENCH_LONG_SPANS ?? 2_000_000);

const schema = otlpSchema();
const Request = schema.exportTraceServiceRequest;

const random = xorshift(0x2545f491);
const bytes = (n) => randomBytes(random, n);
const prompt = PROMPT;

/** One LLM-app span: HTTP + gen_ai attributes; half carry a flag (as attributes or as an evaluation event). */
function makeSpan(i) {
  const start = 1_700_000_000_000_000_000n + BigInt(i) * 1_000_000n;
  const durationNs = BigInt(Math.floor(200_000_000 + random() * 3_000_000_000));
  const attributes = [
    kv('http.request.method', str('POST')),
    kv('http.route', str('/api/chat')),
    kv('http.response.status_code', int(200)),
    kv('server.address', str('api.internal')),
    kv('gen_ai.system', str('openai')),
    kv('gen_ai.operation.name', str('chat')),
    kv('gen_ai.request.model', str(random() < 0.5 ? 'gpt-4o-mini' : 'gpt-4o')),
    kv('gen_ai.usage.input_tokens', int(Math.floor(200 + random() * 2000))),
    kv('gen_ai.usage.output_tokens', int(Math.floor(20 + random() * 500))),
    kv('gen_ai.response.finish_reasons', { arrayValue: { values: [str('stop')] } }),
    kv('app.tool_call.correct', { boolValue: random() < 0.9 }),
    kv('app.cost_usd', { doubleValue: random() / 100 }),
  ];
  if (i % 4 === 0) {
    attributes.push(
      kv('gen_ai.prompt.0.content', str(prompt)),
      kv('gen_ai.completion.0.content', str(prompt.slice(0, 300))),
    );
  }
  const flag = [
    kv('feature_flag.key', str('support-prompt')),
    kv('feature_flag.result.variant', str(random() < 0.1 ? 'canary' : 'stable')),
    kv('feature_flag.result.reason', str('SPLIT')),
  ];
  const events = [];
  if (i % 4 === 1) attributes.push(...flag);
  if (i % 4 === 2)
    events.push({ timeUnixNano: String(start), name: 'feature_flag.evaluation', attributes: flag });
  return {
    traceId: bytes(16),
    spanId: bytes(8),
    parentSpanId: i % 3 === 0 ? undefined : bytes(8),
    name: 'chat gpt-4o',
    kind: 3,
    startTimeUnixNano: String(start),
    endTimeUnixNano: String(start + durationNs),
    attributes,
    events,
    status: { code: random() < 0.05 ? 2 : 0 },
  };
}

function makePayload(p) {
  const resource = {
    attributes: [
      kv('service.name', str('support-bot')),
      kv('service.version', str('1.4.2')),
      kv('service.instance.id', str(`pod-${p}`)),
      kv('deployment.environment.name', str('production')),
      kv('telemetry.sdk.language', str('nodejs')),
      kv('telemetry.sdk.name', str('opentelemetry')),
      kv('telemetry.sdk.version', str('2.12.1')),
    ],
  };
  const spans = Array.from({ length: BATCH }, (_, i) => makeSpan(p * BATCH + i));
  const message = Request.fromObject({
    resourceSpans: [{ resource, scopeSpans: [{ scope: { name: 'app' }, spans }] }],
  });
  return Request.encode(message).finish().slice();
}

const payloads = Array.from({ length: PAYLOADS }, (_, p) => makePayload(p));
const payloadBytes = payloads.reduce((n, b) => n + b.byteLength, 0);

let sinkCount = 0; // keeps results alive so that nothing is optimised away
const floor = (body) => {
  sinkCount += Request.decode(body).resourceSpans.length;
};
const ingest = (body) => {
  sinkCount += decodeTraces(body, 'protobuf').spans.length;
};

function timeRun(fn) {
  const start = process.hrtime.bigint();
  for (let r = 0; r < ROUNDS; r++) for (const body of payloads) fn(body);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return (ROUNDS * PAYLOADS * BATCH) / seconds;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const mib = (n) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

// Warm-up: let both paths reach optimised code before anything is timed.
for (let i = 0; i < 3; i++) {
  timeRun(floor);
  timeRun(ingest);
}

// Interleaved runs, so that machine noise hits both sides alike.
const floorRates = [];
const ingestRates = [];
for (let run = 0; run < RUNS; run++) {
  floorRates.push(timeRun(floor));
  ingestRates.push(timeRun(ingest));
}
const floorRate = median(floorRates);
const ingestRate = median(ingestRates);
// Per-run ratios: each pair ran back to back, so they are steadier than the ratio of medians on a busy machine.
const ratio = median(ingestRates.map((r, i) => r / floorRates[i]));
const range = (xs) => `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}`;

// Long run: RSS before and after pushing LONG_SPANS spans through decode + filter.
globalThis.gc?.();
const rssBefore = process.memoryUsage().rss;
let done = 0;
let peakRss = rssBefore;
const longStart = process.hrtime.bigint();
while (done < LONG_SPANS) {
  for (const body of payloads) {
    ingest(body);
    done += BATCH;
    if (done >= LONG_SPANS) break;
  }
  if (done % (BATCH * PAYLOADS * 64) === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
}
const longSeconds = Number(process.hrtime.bigint() - longStart) / 1e9;
globalThis.gc?.();
const rssAfter = process.memoryUsage().rss;
peakRss = Math.max(peakRss, rssAfter);

const flagged = decodeTraces(payloads[0], 'protobuf');
console.log(`## OTLP ingest

Node ${process.version}, ${availableParallelism()} cores (shared; 1-minute load average ${loadavg()[0].toFixed(1)} at the end); ${PAYLOADS} ExportTraceServiceRequest payloads of
${BATCH} spans (${mib(payloadBytes / PAYLOADS)} each, 12–14 attributes per span, a quarter with prompt and completion
contents), half carrying a flag (a quarter as attributes, a quarter as a \`feature_flag.evaluation\` event); median of
${RUNS} interleaved runs of ${fmt(ROUNDS * PAYLOADS * BATCH)} spans each.

| path | spans/s (median) | min–max over runs | × floor (median of per-run ratios) |
|---|---:|---:|---:|
| protobufjs \`decode\` only (floor) | ${fmt(floorRate)} | ${range(floorRates)} | 1.00 |
| \`decodeTraces\`: decode + flag filter + flatten (${flagged.spans.length} kept, ${flagged.ignored} ignored per batch) | ${fmt(ingestRate)} | ${range(ingestRates)} | ${ratio.toFixed(2)} |

Long run: ${fmt(done)} spans through \`decodeTraces\` in ${longSeconds.toFixed(1)} s (${fmt(done / longSeconds)} spans/s);
RSS ${mib(rssBefore)} before, ${mib(rssAfter)} after (peak ${mib(peakRss)}).
`);
if (sinkCount < 0) console.log(sinkCount);
