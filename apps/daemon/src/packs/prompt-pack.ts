/**
 * The normalised PromptPack: what `parsePromptPack` returns after validation. Units are resolved (weights as
 * percentages 0–100, rates as fractions, durations and latencies in milliseconds) and defaults applied, so the
 * rest of the daemon never parses a unit again.
 */
import type { Condition, JsonValue, Weekday } from '@prompt-canary/rules';

/** The accepted `apiVersion`s; `omnia.altairalabs.ai/v1alpha1` is a synonym of ours. */
export type PackApiVersion = 'promptcanary.dev/v1alpha1' | 'omnia.altairalabs.ai/v1alpha1';

/** A validated, normalised PromptPack. */
export interface PromptPack {
  readonly apiVersion: PackApiVersion;
  readonly kind: 'PromptPack';
  readonly metadata: PackMetadata;
  readonly spec: PackSpec;
}

/** `metadata`: the name is the flag key apps evaluate; labels and annotations are free-form. */
export interface PackMetadata {
  readonly name: string;
  readonly labels?: Record<string, unknown>;
  readonly annotations?: Record<string, unknown>;
}

/** `spec`: the version to serve, its content (optional, fixed by its first apply) and how to roll it out. */
export interface PackSpec {
  readonly version: string;
  /** Named prompts of this version, each normalised to `{text, role?}`. */
  readonly prompts?: Readonly<Record<string, PromptEntry>>;
  readonly model?: ModelSpec;
  /** Free JSON served with the version. */
  readonly attributes?: Readonly<Record<string, JsonValue>>;
  readonly rollout: RolloutSpec;
}

/** One prompt of a version. */
export interface PromptEntry {
  readonly text: string;
  /** `system`, `user`, `assistant`, … when the app wants it; absent otherwise. */
  readonly role?: string;
}

/** `spec.model`: which model the version calls and with what parameters. */
export interface ModelSpec {
  readonly name: string;
  readonly provider?: string;
  /** `temperature`, `max_tokens`, …: passed on to the app as written. */
  readonly parameters?: Readonly<Record<string, JsonValue>>;
}

/** `spec.rollout.strategy`: a progressive canary, or a blue-green switch. */
export type RolloutStrategyName = 'canary' | 'blueGreen';

/**
 * `spec.rollout`, normalised. Ramp fields and `steps` never appear together. With `strategy: blueGreen` the ramp
 * fields, `steps`, `segments`, `schedule` and `monitorFor` are refused by the schema (so `segments` and `schedule`
 * are empty and `monitorForMs` 0), and `rollbackWindowMs` is set; `preview` and `rollbackWindowMs` appear with
 * blue-green only.
 */
export interface RolloutSpec {
  readonly strategy: RolloutStrategyName;
  /** The context attribute that makes assignment sticky. Default `targetingKey`. */
  readonly bucketBy: string;
  readonly canaryWeight?: number;
  readonly stepWeight?: number;
  readonly stepIntervalMs?: number;
  readonly maxWeight?: number;
  readonly steps?: readonly StepSpec[];
  /** Analysis at 100% before the version becomes stable. Default 0. */
  readonly monitorForMs: number;
  readonly analysis: AnalysisSpec;
  readonly segments: readonly SegmentSpec[];
  readonly schedule: readonly ScheduleEntry[];
  readonly timeZone: 'UTC';
  readonly notify: readonly NotifyTarget[];
  /** Blue-green only: who is served the new version before the switch, and for how long. */
  readonly preview?: PreviewSpec;
  /** Blue-green only: how long after the switch the old version stays the one-step fallback. Default 1h. */
  readonly rollbackWindowMs?: number;
}

/**
 * A blue-green preview: a segment (named on the daemon, or with its own `match`) or, without a segment, a share of
 * everyone, served the new version for `durationMs` before the switch.
 */
export interface PreviewSpec {
  readonly segment?: { readonly name: string; readonly match?: Condition };
  /** The preview's weight: default 100 with a segment; required (above 0, below 100) without one. */
  readonly weight: number;
  readonly durationMs: number;
}

/** One explicit step of `steps`. */
export interface StepSpec {
  readonly weight: number;
  /** Minimum time on the step. Default 0. */
  readonly minDurationMs: number;
  /** `approval: required`: a person promotes past this step. */
  readonly approval: boolean;
  /** Only on a 100% step: analysis time before completion (overrides the rollout's `monitorFor`). */
  readonly monitorForMs?: number;
}

/** `spec.rollout.analysis`, defaults applied. */
export interface AnalysisSpec {
  readonly intervalMs: number;
  readonly failureThreshold: number;
  readonly minSamples: number;
  readonly maxInconclusiveMs: number;
  /**
   * `startAfter`: observe only for this long after the rollout starts (rollout time, ms): checks run and show, but
   * nothing steps, pauses or rolls back before then. Absent: decisions from the start.
   */
  readonly startAfterMs?: number;
  /**
   * `dryRun: true`: the ramp steps on its schedule as if every check passed; what the checks would have done is
   * recorded ("would roll back: …") in the timeline and audit log, and not done.
   */
  readonly dryRun?: boolean;
  readonly metrics: readonly MetricSpec[];
  /** Price per 1k tokens by `gen_ai.request.model`, for `cost_per_request`. */
  readonly costs: Readonly<Record<string, { readonly input: number; readonly output: number }>>;
  /** `evaluation`: evals on sampled live traffic; absent when the pack asks for none. */
  readonly evaluation?: EvaluationSpec;
}

/**
 * `spec.rollout.analysis.evaluation`: every `everyMs` (rollout time) the daemon draws up to `sample` split-assigned
 * trace ids per arm and asks the hook to score them within `timeoutMs`.
 */
export interface EvaluationSpec {
  readonly everyMs: number;
  /** Trace ids per arm per batch. */
  readonly sample: number;
  readonly hook: { readonly url: string; readonly secret: string };
  readonly timeoutMs: number;
}

/** How a metric's threshold is expressed after normalisation. */
export type ThresholdUnit = 'fraction' | 'ms' | 'number';

/** Comparison of the canary's value against a hard threshold. */
export type Comparison = '>=' | '<=' | '>' | '<';

/** Which way is better for a metric. */
export type MetricDirection = 'higher' | 'lower';

/** How `maxIncrease`/`maxDecrease` read: a fraction of stable's value, or absolute points of a rate. */
export type ToleranceUnit = 'relative' | 'points' | 'absolute';

/** Aggregations of a custom metric's span attribute. */
export type MetricAggregate = 'rate' | 'mean' | 'p50' | 'p95' | 'p99' | 'per_minute';

/** What to do when a metric fails: roll back, pause, or record it and notify while the rollout goes on. */
export type MetricOnFail = 'rollback' | 'pause' | 'notify';

/** Aggregations of a tracking event's values. */
export type EventAggregate = 'mean' | 'p50' | 'p95' | 'p99' | 'per_request' | 'per_unit';

/** Where a custom metric's values come from: a span attribute, or a tracking event's values. */
export type MetricSource =
  | { readonly attribute: string; readonly aggregate: MetricAggregate }
  | { readonly event: string; readonly aggregate: EventAggregate }
  | { readonly score: string; readonly pass: { readonly comparison: Comparison; readonly value: number } };

/** One analysed metric. */
export interface MetricSpec {
  readonly name: string;
  /** `eval_pass_rate` only: the evaluator (score name) this entry gates, reported as `eval_pass_rate:<evaluator>`. */
  readonly evaluator?: string;
  /**
   * `downstream_error_rate` / `downstream_latency_p99` only (required there): the downstream service's
   * `service.name`, reported as `downstream_error_rate:<service>`.
   */
  readonly service?: string;
  /** Which way is better: fixed for built-ins, stated for custom metrics. */
  readonly direction: MetricDirection;
  /** Hard limit on the canary: a fraction for rates, milliseconds for latencies, a number otherwise. */
  readonly threshold?: number;
  readonly thresholdUnit?: ThresholdUnit;
  /** Present whenever `threshold` is. */
  readonly comparison?: Comparison;
  /** Tolerated increase against stable, as a fraction: of stable's value or, in points, of a rate. */
  readonly maxIncrease?: number;
  /** Tolerated decrease against stable, as a fraction: of stable's value or, in points, of a rate. */
  readonly maxDecrease?: number;
  /** Present whenever a tolerance is: `relative` (`20%`) or `points` (`2pt`, rates only). */
  readonly toleranceUnit?: ToleranceUnit;
  readonly from?: MetricSource;
  /**
   * `for`: the metric must have failed at every look for this long (rollout time, ms) before the failure counts.
   * With `failureThreshold` as well, a failure counts when both hold.
   */
  readonly forMs?: number;
  /** Consecutive failed looks before the failure counts; overrides the analysis' `failureThreshold`. */
  readonly failureThreshold?: number;
  readonly onFail: MetricOnFail;
  /** The statistical regression test against stable. Default true. */
  readonly compare: boolean;
}

/**
 * One segment phase. `match` absent means a named segment defined on the daemon; `weight: 'progressive'` (last
 * segment only) marks the phase where the ramp runs for everyone.
 */
export interface SegmentSpec {
  readonly name: string;
  readonly match?: Condition;
  readonly weight: number | 'progressive';
  readonly durationMs?: number;
}

/** One schedule window. Exactly one of `canaryWeight` and `capWeight` is set. */
export interface ScheduleEntry {
  /** `HH:MM-HH:MM` in UTC, without the optional ` UTC` suffix. */
  readonly window: string;
  readonly days?: readonly Weekday[];
  readonly from?: string;
  readonly until?: string;
  readonly canaryWeight?: number;
  readonly capWeight?: number;
}

/** A signed webhook target. */
export interface NotifyTarget {
  readonly url: string;
  readonly secret?: string;
}

/** One validation problem, at the path of the offending field. */
export interface PackIssue {
  readonly path: ReadonlyArray<string | number>;
  readonly message: string;
}
