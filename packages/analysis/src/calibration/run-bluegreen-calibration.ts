import type { AnalysisConfig } from '../analysis-config.js';
import { mulberry32 } from './prng.js';
import { SEED_CONFIG } from './run-calibration.js';
import type { ArmModel } from './simulate-ramp.js';
import { type Drift, type SwitchRun, type SwitchScenario, simulateSwitch } from './simulate-switch.js';

/** Sizes and seed of a blue-green calibration run. */
export interface BlueGreenOptions {
  seed: number;
  /** Switches per stationary scenario at 5 req/s. */
  aaSlow: number;
  /** Switches per stationary scenario at 100 req/s (each plays ~720,000 requests). */
  aaFast: number;
  /** Switches per drifting scenario at 5 req/s. */
  driftSlow: number;
  /** Switches per drifting scenario at 100 req/s. */
  driftFast: number;
  /** Runs per power scenario. */
  powerRuns: number;
  /** Mean turns per session of the stationary grid; default 1, 6, 12. */
  turns?: readonly number[];
  /** Intra-session correlations of the stationary grid; default 0, 0.2. */
  rhos?: readonly number[];
  /** Request rates; default 100 and 5. */
  rates?: readonly number[];
  /**
   * The comparison pools of the plan, for the window's α share (`poolAlpha`) in the stationary grid: 1 (default) for
   * a switch without a preview, whose window spends the whole α; 2 with a preview, whose window spends half.
   */
  pools?: number;
}

/** Switches of one scenario: how many rolled back although nothing about the version changed. */
export interface SwitchFigure {
  name: string;
  requestsPerSecond: number;
  meanTurns: number;
  rho: number;
  /** Rollback window in looks (minutes). */
  windowLooks: number;
  switches: number;
  /** Rolled back: `failureThreshold` (2) consecutive looks with a failing check. */
  rollbacks: number;
  /** Switches with a failing check at any look. */
  anyFail: number;
  /** Median look of the rollbacks, or `null` without any. */
  medianRollbackLook: number | null;
  /** The looks at which switches rolled back, in order. */
  rollbackLooks: number[];
  /** How often each check (`metric:kind`) was failing at the rollback look. */
  byCheck: Record<string, number>;
}

/** Everything {@link runBlueGreenCalibration} measured. */
export interface BlueGreenReport {
  options: BlueGreenOptions;
  /** Stationary traffic: the new version is the old one. */
  aa: SwitchFigure[];
  /** Traffic that drifts with time, the same for both versions. */
  drift: SwitchFigure[];
  /** A real regression after the switch: rollbacks within the window (higher is better). */
  power: SwitchFigure[];
}

const LATENCY = { medianMs: 1200, sigma: Math.log(2700 / 1200) / 2.3263 };
const TOKENS = { mean: 800, sd: 200 };
const SEED_ARM: ArmModel = { successRate: 0.94, latency: LATENCY, tokens: TOKENS };

/**
 * A seed-pack switch with sessions: one hour of the old version before, a one-hour rollback window with a look a
 * minute, the seed gates together (`SEED_CONFIG`), failureThreshold 2, the whole α for the window (a switch with no
 * preview runs one comparison pool). Stationary and A/A unless `overrides` say otherwise.
 */
export function switchScenario(
  requestsPerSecond: number,
  meanTurns: number,
  rho: number,
  overrides: Partial<SwitchScenario> = {},
): SwitchScenario {
  return {
    requestsPerSecond,
    meanTurns,
    rho,
    beforeLooks: 60,
    windowLooks: 60,
    old: SEED_ARM,
    new: SEED_ARM,
    config: SEED_CONFIG,
    failureThreshold: 2,
    ...overrides,
  };
}

function quantileOf(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? null;
}

/** Plays `switches` switches of one scenario from one seed and counts them. Pure and deterministic. */
export function switchFigure(
  name: string,
  scenario: SwitchScenario,
  switches: number,
  seed: number,
): SwitchFigure {
  const random = mulberry32(seed);
  const runs: SwitchRun[] = Array.from({ length: switches }, () => simulateSwitch(scenario, random));
  const byCheck: Record<string, number> = {};
  for (const run of runs) for (const key of run.rollbackChecks) byCheck[key] = (byCheck[key] ?? 0) + 1;
  const rollbackLooks = runs
    .map((r) => r.rollbackLook)
    .filter((l): l is number => l !== null)
    .sort((a, b) => a - b);
  return {
    name,
    requestsPerSecond: scenario.requestsPerSecond,
    meanTurns: scenario.meanTurns,
    rho: scenario.rho,
    windowLooks: scenario.windowLooks ?? 60,
    switches,
    rollbacks: rollbackLooks.length,
    anyFail: runs.filter((r) => Object.keys(r.firstFailByCheck).length > 0).length,
    medianRollbackLook: quantileOf(rollbackLooks, 0.5),
    rollbackLooks,
    byCheck,
  };
}

/** The drifting scenarios: what a before/after comparison makes of a change that is not the version's. */
export const DRIFTS: ReadonlyArray<{ name: string; drift: Drift }> = [
  { name: 'latency +5% an hour', drift: { latencyPerHour: 0.05 } },
  { name: 'error rate +1 point an hour', drift: { errorPerHour: 0.01 } },
  {
    name: 'daily swing (latency ±8%, errors ±1 point), switch on the steepest rise',
    drift: { diurnal: { latency: 0.08, error: 0.01, phaseHours: 0 } },
  },
  {
    name: 'daily swing (latency ±8%, errors ±1 point), switch at the peak',
    drift: { diurnal: { latency: 0.08, error: 0.01, phaseHours: 6 } },
  },
];

/** The seed gates with latency judged by its hard limit alone (`compare: false`), as advised for drifting latency. */
const LATENCY_LIMIT_ONLY: AnalysisConfig = {
  metrics: SEED_CONFIG.metrics.map((m) => (m.name === 'latency_p99' ? { ...m, compare: false } : m)),
};

/**
 * The calibration of the blue-green rollback window through the real analysis (`simulateSwitch` → `analyze()`):
 * false rollbacks per switch on stationary traffic for a grid of session lengths, intra-session correlations and
 * request rates; false rollbacks on traffic that drifts with no version effect, with the plain window and with the
 * remedies (a shorter window, `compare: false` on the drifting metric); and how fast a real regression rolls back.
 * Each scenario's seed follows from its parameters, so a partial grid reproduces the same rows.
 */
export function runBlueGreenCalibration(options: BlueGreenOptions): BlueGreenReport {
  const { seed } = options;
  const rates = options.rates ?? [100, 5];
  const aa: SwitchFigure[] = [];
  const pools = options.pools ?? 1;
  for (const rps of rates) {
    for (const turns of options.turns ?? [1, 6, 12]) {
      for (const rho of options.rhos ?? [0, 0.2]) {
        const n = rps >= 50 ? options.aaFast : options.aaSlow;
        const own = seed + rps * 1000 + turns * 10 + Math.round(rho * 10);
        aa.push(
          switchFigure(
            `A/A, ${rps} req/s, ${turns} turns, ρ ${rho}`,
            switchScenario(rps, turns, rho, pools > 1 ? { pools, poolIndex: pools - 1 } : {}),
            n,
            own,
          ),
        );
      }
    }
  }
  const drift: SwitchFigure[] = [];
  for (const rps of rates) {
    const runs = rps >= 50 ? options.driftFast : options.driftSlow;
    if (runs > 0) {
      DRIFTS.forEach((d, i) => {
        const own = seed + 500_000 + rps * 1000 + i;
        drift.push(
          switchFigure(`${d.name}, ${rps} req/s`, switchScenario(rps, 6, 0.2, { drift: d.drift }), runs, own),
        );
      });
      const latency = DRIFTS[0]?.drift ?? {};
      drift.push(
        switchFigure(
          `latency +5% an hour, 15-minute window, ${rps} req/s`,
          switchScenario(rps, 6, 0.2, { drift: latency, windowLooks: 15 }),
          runs,
          seed + 600_000 + rps * 1000,
        ),
        switchFigure(
          `latency +5% an hour, latency_p99 compare: false, ${rps} req/s`,
          switchScenario(rps, 6, 0.2, { drift: latency, config: LATENCY_LIMIT_ONLY }),
          runs,
          seed + 700_000 + rps * 1000,
        ),
      );
    }
  }
  const power: SwitchFigure[] = [];
  if (options.powerRuns > 0) {
    for (const rps of rates) {
      power.push(
        switchFigure(
          `94% → 92% success after the switch, ${rps} req/s`,
          switchScenario(rps, 6, 0.2, { new: { ...SEED_ARM, successRate: 0.92 } }),
          options.powerRuns,
          seed + 800_000 + rps * 1000,
        ),
        switchFigure(
          `latency +10% after the switch, ${rps} req/s`,
          switchScenario(rps, 6, 0.2, { new: { ...SEED_ARM, latency: { ...LATENCY, medianMs: 1320 } } }),
          options.powerRuns,
          seed + 900_000 + rps * 1000,
        ),
      );
    }
  }
  return { options, aa, drift, power };
}

function pct(part: number, whole: number): string {
  return whole === 0 ? 'n/a' : `${part} (${((100 * part) / whole).toFixed(2)}%)`;
}

function checksText(f: SwitchFigure): string {
  const entries = Object.entries(f.byCheck).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? '—' : entries.map(([k, v]) => `${k} ${v}`).join(', ');
}

function rows(figures: readonly SwitchFigure[], named: boolean): string[] {
  const head = named
    ? [
        '| scenario | switches | window | rollbacks | median look | failing at rollback |',
        '| --- | ---: | ---: | ---: | ---: | --- |',
      ]
    : [
        '| req/s | mean turns | ρ | switches | false rollbacks | at looks | failing at rollback |',
        '| ---: | ---: | ---: | ---: | ---: | --- | --- |',
      ];
  return [
    ...head,
    ...figures.map((f) =>
      named
        ? `| ${f.name} | ${f.switches} | ${f.windowLooks} min | ${pct(f.rollbacks, f.switches)} | ${f.medianRollbackLook ?? '—'} | ${checksText(f)} |`
        : `| ${f.requestsPerSecond} | ${f.meanTurns} | ${f.rho} | ${f.switches} | ${pct(f.rollbacks, f.switches)} | ${f.rollbackLooks.join(', ') || '—'} | ${checksText(f)} |`,
    ),
  ];
}

/** The report's tables as Markdown, for `docs/calibration.md` (the prose around them is written there). */
export function blueGreenMarkdown(report: BlueGreenReport): string {
  const all = report.aa.reduce((sum, f) => sum + f.switches, 0);
  const falseAll = report.aa.reduce((sum, f) => sum + f.rollbacks, 0);
  const out = [
    '### Stationary traffic (goal ≤ 0.5% false rollbacks per switch)',
    '',
    ...rows(report.aa, false),
    '',
    `All together: ${pct(falseAll, all)} false rollbacks in ${all} switches (seed ${report.options.seed}).`,
  ];
  if (report.drift.length > 0)
    out.push('', '### Drifting traffic, no version effect', '', ...rows(report.drift, true));
  if (report.power.length > 0)
    out.push('', '### A real regression after the switch', '', ...rows(report.power, true));
  return out.join('\n');
}
