// Per-span cost of ArmAggregate.addSpan (ns/op), on the built package: `pnpm --filter @prompt-canary/analysis
// build && node packages/analysis/scripts/add-span-cost.mjs`. Spans carry a unit (36-char id, sessions of ~6
// turns) when the package reads one; older builds ignore the field.
import { ArmAggregate } from '../dist/index.js';

const N = 200_000;
const units = Array.from(
  { length: N / 6 },
  (_, i) =>
    `${((i * 2654435761) >>> 0).toString(16).padStart(8, '0')}-4b1f-4c2a-9d3e-${String(i).padStart(12, '0')}`,
);
const spans = Array.from({ length: N }, (_, i) => ({
  flagKey: 'support-prompts',
  variant: '2.4.0',
  splitAssigned: true,
  endTimeMs: 0,
  durationMs: 800 + ((i * 7919) % 1600),
  error: i % 17 === 0,
  inputTokens: 600 + (i % 300),
  outputTokens: 200 + (i % 50),
  attributes: {},
  unit: units[(i * 31) % units.length],
}));
function round() {
  const agg = new ArmAggregate();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) agg.addSpan(spans[i]);
  return ((performance.now() - t0) * 1e6) / N;
}
for (let i = 0; i < 3; i++) round();
const results = Array.from({ length: 7 }, round).sort((a, b) => a - b);
const agg = new ArmAggregate();
for (let i = 0; i < 1000; i++) agg.addSpan(spans[i]);
const json = JSON.stringify(agg.serialize());
const t0 = performance.now();
for (let i = 0; i < 2000; i++) JSON.stringify(agg.serialize());
const ser = ((performance.now() - t0) * 1e3) / 2000;
console.log(
  `addSpan: median ${results[3].toFixed(0)} ns/op (min ${results[0].toFixed(0)}, max ${results[6].toFixed(0)}); 1,000-span aggregate: ${json.length} bytes JSON, serialize+stringify ${ser.toFixed(1)} µs`,
);
