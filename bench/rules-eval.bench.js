// Rules evaluation benchmark: Prompt Canary's compiled evaluator against @openfeature/flagd-core on the equivalent
// flagd JSON, with murmur3 alone over the same bytes as the floor. Prints a Markdown table for docs/benchmarks.md.
//
//   pnpm bench                                           (builds, then runs this file)
//   pnpm --filter @prompt-canary/bench run bench         (expects packages/rules/dist to be built)
//
// Plain JavaScript on purpose: it runs on the built package exactly as users import it, with no loader in the way.

import { availableParallelism } from 'node:os';
import { FlagdCore } from '@openfeature/flagd-core';
import { compileFlag, murmur3 } from '@prompt-canary/rules';
import { do_not_optimize, measure } from 'mitata';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const KEY_COUNT = 4096; // a power of two, so `i & MASK` walks the keys
const MASK = KEY_COUNT - 1;
const FLAG_KEY = 'support-prompts';

// Varied, deterministic targeting keys of realistic length, so no call sees a constant input.
const keys = Array.from({ length: KEY_COUNT }, (_, i) => `user-${((i * 2654435761) >>> 0).toString(36)}`);
const hashInputs = keys.map((key) => FLAG_KEY + key);
const contexts = keys.map((targetingKey) => ({ targetingKey, plan: 'internal', region: 'eu' }));

// A daily window open now (from an hour ago to two hours ahead, UTC), so the time-window rule matches while the
// benchmark runs: flagd-core reads the clock itself, so both sides must be inside the window at wall-clock time.
const hour = new Date().getUTCHours();
const pad = (n) => String(n).padStart(2, '0');
const startHour = (hour + 23) % 24;
const endHour = (hour + 2) % 24;
const daily = `${pad(startHour)}:00-${pad(endHour)}:00`;

const variants = { stable: '2.3.0', canary: '2.4.0' };
const split = {
  arms: [
    { variant: 'canary', weight: 10 },
    { variant: 'stable', weight: 90 },
  ],
};

const ours = {
  split: compileFlag({
    key: FLAG_KEY,
    state: 'ENABLED',
    variants,
    defaultVariant: 'stable',
    rules: [{ serve: { split } }],
  }),
  segmented: compileFlag({
    key: FLAG_KEY,
    state: 'ENABLED',
    variants,
    defaultVariant: 'stable',
    rules: [{ segment: { plan: 'internal' }, window: { daily }, serve: { split } }],
  }),
};

// The same two flags written by hand in flagd's format. The window is seconds-of-day from $flagd.timestamp.
const secondsOfDay = { '%': [{ var: '$flagd.timestamp' }, 86400] };
const inWindow =
  startHour < endHour
    ? { and: [{ '>=': [secondsOfDay, startHour * 3600] }, { '<': [secondsOfDay, endHour * 3600] }] }
    : { or: [{ '>=': [secondsOfDay, startHour * 3600] }, { '<': [secondsOfDay, endHour * 3600] }] };
const fractional = {
  fractional: [
    ['canary', 10],
    ['stable', 90],
  ],
};
const flagdFlag = (targeting) => ({ state: 'ENABLED', variants, defaultVariant: 'stable', targeting });

function flagdCore(targeting) {
  const core = new FlagdCore();
  core.setConfigurations(JSON.stringify({ flags: { [FLAG_KEY]: flagdFlag(targeting) } }));
  return core;
}
const flagd = {
  split: flagdCore(fractional),
  segmented: flagdCore({
    if: [{ and: [{ '==': [{ var: 'plan' }, 'internal'] }, inWindow] }, fractional, null],
  }),
};

// Both evaluators must pick the same variant for every key before any timing means anything.
for (const name of ['split', 'segmented']) {
  let canary = 0;
  for (const context of contexts) {
    const a = ours[name].evaluate(context, Date.now());
    const b = flagd[name].resolveStringEvaluation(FLAG_KEY, 'fallback', context);
    if (a.variant !== b.variant) {
      throw new Error(
        `${name}: ${context.targetingKey} → ours ${a.variant} (${a.reason}), flagd ${b.variant} (${b.reason})`,
      );
    }
    if (a.variant === 'canary') canary++;
  }
  if (canary === 0 || canary === KEY_COUNT)
    throw new Error(`${name}: the split did not split (${canary} canary)`);
  console.error(`check ${name}: ${KEY_COUNT} keys agree, ${canary} canary`);
}

function cases(name) {
  const flag = ours[name];
  const core = flagd[name];
  return [
    [
      'Prompt Canary',
      () => {
        let i = 0;
        return () => do_not_optimize(flag.evaluate(contexts[i++ & MASK], Date.now()));
      },
    ],
    [
      'flagd-core',
      () => {
        let i = 0;
        return () =>
          do_not_optimize(core.resolveStringEvaluation(FLAG_KEY, 'fallback', contexts[i++ & MASK]));
      },
    ],
    [
      'murmur3 alone (floor)',
      () => {
        let i = 0;
        return () => do_not_optimize(murmur3(hashInputs[i++ & MASK]));
      },
    ],
  ];
}

const scenarios = [
  ['(a) 10/90 split', 'split'],
  ['(b) segment + daily window + 10/90 split', 'segmented'],
];

const median = (values) => {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

// Runs are interleaved (every case once per round) so that drift on a shared machine hits all cases alike.
const samples = new Map();
for (let run = 0; run < RUNS; run++) {
  for (const [label, name] of scenarios) {
    for (const [impl, make] of cases(name)) {
      const stats = await measure(make(), { min_cpu_time: 300e6 });
      const id = `${label}\u0000${impl}`;
      samples.set(id, [...(samples.get(id) ?? []), stats.avg]);
    }
  }
  console.error(`run ${run + 1}/${RUNS} done`);
}

const lines = [
  '| flag | evaluator | ns/op (median) | min–max over runs | vs murmur3 floor | flagd-core / ours |',
  '|---|---|---:|---:|---:|---:|',
];
for (const [label] of scenarios) {
  const get = (impl) => samples.get(`${label}\u0000${impl}`);
  const floor = median(get('murmur3 alone (floor)'));
  const oursMedian = median(get('Prompt Canary'));
  for (const impl of ['Prompt Canary', 'flagd-core', 'murmur3 alone (floor)']) {
    const runs = get(impl);
    const value = median(runs);
    const ratio = impl === 'flagd-core' ? `${(value / oursMedian).toFixed(1)}×` : '';
    lines.push(
      `| ${label} | ${impl} | ${value.toFixed(1)} | ${Math.min(...runs).toFixed(1)}–${Math.max(...runs).toFixed(1)} | ${(value / floor).toFixed(2)}× | ${ratio} |`,
    );
  }
}
console.log(lines.join('\n'));
console.log(
  `\nNode ${process.version}, ${availableParallelism()} CPUs (nproc), ${process.platform}/${process.arch}; ` +
    `${RUNS} interleaved runs, mitata measure() avg per run, ${KEY_COUNT} targeting keys, window ${daily} UTC.`,
);
