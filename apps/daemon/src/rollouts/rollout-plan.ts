/**
 * The plan of a rollout, derived once from a pack's `spec.rollout`: segment phases in order, then the ramp's
 * steps, with the schedule windows that apply during the ramp. The controller and the flag compiler read only
 * the plan; they never look at the pack's units again.
 */
import type { Condition, Weekday } from '@prompt-canary/rules';
import type { RolloutSpec, RolloutStrategyName } from '../packs/prompt-pack.js';

/** A segment phase: while it is active, its segment (and the earlier ones) serve the canary at `weight`. */
export interface SegmentPhase {
  readonly name: string;
  readonly condition: Condition;
  readonly weight: number;
  readonly durationMs: number;
}

/** One step of the ramp. The last step is always at 100%. */
export interface RampStep {
  readonly weight: number;
  /** Minimum time on the step before the controller may step up. */
  readonly minDurationMs: number;
  /** A person must promote past this step. */
  readonly approval: boolean;
  /** On the 100% step: analysis time before the rollout completes. 0 elsewhere. */
  readonly monitorForMs: number;
}

/** A schedule window during the ramp. Exactly one of `canaryWeight` and `capWeight` is set. */
export interface PlannedWindow {
  /** `HH:MM-HH:MM`, UTC, as the rules model's `TimeWindow.daily`. */
  readonly daily: string;
  readonly days?: readonly Weekday[];
  readonly from?: string;
  readonly until?: string;
  readonly canaryWeight?: number;
  readonly capWeight?: number;
}

/**
 * A rollout's plan. `steps` is empty for a schedule-only pack: the windows' weights are served until it is
 * promoted.
 *
 * A blue-green switch compiles to the same shape (ADR 0012): its preview is one segment phase (a segment preview)
 * or a first step (a weight preview), the switch is the 100% step, and the rollback window is that step's
 * `monitorForMs` (also kept as `rollbackWindowMs`).
 */
export interface RolloutPlan {
  readonly bucketBy: string;
  /** `canary` or `blueGreen`; absent from rollouts stored before blue-green existed, which are canaries. */
  readonly strategy?: RolloutStrategyName;
  /** Blue-green only: the rollback window after the switch, in rollout ms. */
  readonly rollbackWindowMs?: number;
  readonly segmentPhases: readonly SegmentPhase[];
  readonly steps: readonly RampStep[];
  readonly windows: readonly PlannedWindow[];
}

/** Named segments defined on the daemon, by name. */
export type SegmentDefinitions = ReadonlyMap<string, Condition>;

/** A named segment the daemon does not define: the route answers 400 `unknown_segment`. */
export interface UnknownSegmentError {
  readonly code: 'unknown_segment';
  readonly message: string;
  readonly path: ReadonlyArray<string | number>;
}

/** The outcome of `buildRolloutPlan`. */
export type BuildPlanResult = { ok: true; plan: RolloutPlan } | { ok: false; error: UnknownSegmentError };

/** Ramp defaults when a pack sets neither ramp fields, steps nor a schedule: the seed's 10% steps every 5 minutes. */
export const DEFAULT_RAMP = {
  canaryWeight: 10,
  stepWeight: 10,
  stepIntervalMs: 300_000,
  maxWeight: 100,
} as const;

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

function rampSteps(spec: RolloutSpec): RampStep[] {
  if (spec.steps !== undefined) {
    const steps = spec.steps.map(
      (step): RampStep => ({
        weight: step.weight,
        minDurationMs: step.minDurationMs,
        approval: step.approval,
        monitorForMs: step.weight === 100 ? (step.monitorForMs ?? spec.monitorForMs) : 0,
      }),
    );
    const last = steps.at(-1);
    if (last === undefined || last.weight < 100) {
      steps.push({ weight: 100, minDurationMs: 0, approval: false, monitorForMs: spec.monitorForMs });
    }
    return steps;
  }
  const hasRampFields =
    spec.canaryWeight !== undefined ||
    spec.stepWeight !== undefined ||
    spec.stepIntervalMs !== undefined ||
    spec.maxWeight !== undefined;
  if (!hasRampFields && spec.schedule.length > 0) return [];
  const first = spec.canaryWeight ?? spec.stepWeight ?? DEFAULT_RAMP.canaryWeight;
  const increment = spec.stepWeight ?? spec.canaryWeight ?? DEFAULT_RAMP.stepWeight;
  const interval = spec.stepIntervalMs ?? DEFAULT_RAMP.stepIntervalMs;
  const max = spec.maxWeight ?? DEFAULT_RAMP.maxWeight;
  const steps: RampStep[] = [];
  for (let weight = first; weight < max; weight = round2(weight + increment)) {
    steps.push({ weight, minDurationMs: interval, approval: false, monitorForMs: 0 });
  }
  if (max < 100) steps.push({ weight: max, minDurationMs: interval, approval: false, monitorForMs: 0 });
  steps.push({ weight: 100, minDurationMs: 0, approval: false, monitorForMs: spec.monitorForMs });
  return steps;
}

/** A plan's strategy: plans stored before blue-green existed carry none and are canaries. */
export function planStrategy(plan: Pick<RolloutPlan, 'strategy'>): RolloutStrategyName {
  return plan.strategy ?? 'canary';
}

/**
 * A blue-green switch as a plan: the preview (a segment phase, or a first step at the preview's weight), then the
 * switch to 100% with the rollback window as its monitoring time.
 */
function blueGreenPlan(spec: RolloutSpec, segments: SegmentDefinitions): BuildPlanResult {
  const windowMs = spec.rollbackWindowMs ?? 0;
  const segmentPhases: SegmentPhase[] = [];
  const steps: RampStep[] = [];
  const preview = spec.preview;
  if (preview?.segment !== undefined) {
    const condition = preview.segment.match ?? segments.get(preview.segment.name);
    if (condition === undefined) {
      return {
        ok: false,
        error: {
          code: 'unknown_segment',
          message: `segment "${preview.segment.name}" has no match and is not defined on the daemon (PUT /api/v1/segments/${preview.segment.name})`,
          path: ['spec', 'rollout', 'preview', 'segment'],
        },
      };
    }
    segmentPhases.push({
      name: preview.segment.name,
      condition,
      weight: preview.weight,
      durationMs: preview.durationMs,
    });
  } else if (preview !== undefined) {
    steps.push({
      weight: preview.weight,
      minDurationMs: preview.durationMs,
      approval: false,
      monitorForMs: 0,
    });
  }
  steps.push({ weight: 100, minDurationMs: 0, approval: false, monitorForMs: windowMs });
  return {
    ok: true,
    plan: {
      bucketBy: spec.bucketBy,
      strategy: 'blueGreen',
      rollbackWindowMs: windowMs,
      segmentPhases,
      steps,
      windows: [],
    },
  };
}

/**
 * Builds the plan of a rollout from `spec.rollout`. Named segments (no `match`) are looked up in `segments`; the
 * `progressive` segment is the ramp itself and needs no definition.
 *
 * @example
 * buildRolloutPlan(pack.spec.rollout, new Map([['beta_users', { beta: true }]]));
 */
export function buildRolloutPlan(spec: RolloutSpec, segments: SegmentDefinitions): BuildPlanResult {
  if (spec.strategy === 'blueGreen') return blueGreenPlan(spec, segments);
  const segmentPhases: SegmentPhase[] = [];
  for (const [index, segment] of spec.segments.entries()) {
    if (segment.weight === 'progressive') continue;
    const condition = segment.match ?? segments.get(segment.name);
    if (condition === undefined) {
      return {
        ok: false,
        error: {
          code: 'unknown_segment',
          message: `segment "${segment.name}" has no match and is not defined on the daemon (PUT /api/v1/segments/${segment.name})`,
          path: ['spec', 'rollout', 'segments', index, 'name'],
        },
      };
    }
    segmentPhases.push({
      name: segment.name,
      condition,
      weight: segment.weight,
      durationMs: segment.durationMs ?? 0,
    });
  }
  const windows = spec.schedule.map((entry): PlannedWindow => {
    const { window, ...rest } = entry;
    return { daily: window, ...rest };
  });
  return {
    ok: true,
    plan: { bucketBy: spec.bucketBy, strategy: 'canary', segmentPhases, steps: rampSteps(spec), windows },
  };
}
