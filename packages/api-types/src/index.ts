/**
 * The shapes of canaryd's HTTP answers (API.md "Resources", "Analysis", "Errors"), declared once for every client
 * (the `canary` CLI, the dashboard) and checked against the daemon's own output, and the API's small unit
 * vocabulary: durations (`500ms`, `5m`, `2d`) read and written one way everywhere, and a version's content as the
 * text its diffs compare. The types add nothing at run time; the duration and content-text functions are pure, without dependencies or `node:*` imports, so the dashboard bundles them
 * for the browser.
 *
 * Only the fields clients read are typed where an answer embeds a large document (a pack's normalised spec, a
 * rollout's plan); the daemon may send more, and clients ignore fields they do not know.
 *
 * @packageDocumentation
 */

export type {
  CreatedToken,
  FlagdImportResult,
  Health,
  IngestTallyView,
  Readiness,
  SegmentView,
  TokenView,
} from './admin.js';
export { durationText, formatDuration, parseDuration } from './duration.js';
export {
  type ArmLabels,
  armLabels,
  type StrategyFields,
  stageEndText,
  stageOf,
  stageText,
  strategyName,
  strategyOf,
  strategyText,
} from './rollout-stage-text.js';
export { type VersionContent, versionContentText } from './version-content-text.js';

// ---------------------------------------------------------------------------------------------------------------
// Vocabulary

/** Rollout phases as API.md names them. */
export type RolloutPhase = 'Progressing' | 'Paused' | 'Completed' | 'RolledBack';

/** The operator actions on a live rollout (`POST /api/v1/rollouts/{id}/pause|resume|promote|rollback`). */
export type RolloutAction = 'pause' | 'resume' | 'promote' | 'rollback';

/** The token scopes (API.md "Auth"). */
export type Scope = 'evaluate' | 'ingest' | 'read' | 'operate' | 'admin';

// ---------------------------------------------------------------------------------------------------------------
// Errors and identity

/** The JSON body of every error under `/api/v1` (API.md "Errors"). */
export interface ApiErrorBody {
  /** A stable snake_case code, e.g. `invalid_body`, `not_found`, `rollout_in_progress`. */
  readonly code: string;
  readonly message: string;
  /** Where in the request body the problem is (`["spec", "rollout", "canaryWeight"]`), for `invalid_body`. */
  readonly path?: readonly (string | number)[];
}

/** `GET /api/v1/whoami`: who the token is and what it may do. */
export interface Whoami {
  readonly name: string;
  readonly scopes: readonly Scope[];
}

// ---------------------------------------------------------------------------------------------------------------
// Packs

/** How a metric's threshold is expressed after normalisation. */
export type ThresholdUnit = 'fraction' | 'ms' | 'number';

/** Comparison of the canary's value against a hard threshold. */
export type Comparison = '>=' | '<=' | '>' | '<';

/** What the controller does when a metric fails: roll back, pause, or record it, notify and go on. */
export type MetricOnFail = 'rollback' | 'pause' | 'notify';

/** One analysed metric of a pack's `spec.rollout.analysis.metrics`, normalised by the daemon. */
export interface MetricSpecView {
  readonly name: string;
  /**
   * Which way is better: fixed for built-in metrics, stated for custom ones. Absent only in packs stored before
   * directions were recorded (the daemon's migration writes it).
   */
  readonly direction?: 'higher' | 'lower';
  /** Hard limit on the canary: a fraction for rates, milliseconds for latencies, a number otherwise. */
  readonly threshold?: number;
  readonly thresholdUnit?: ThresholdUnit;
  /** Present whenever `threshold` is. */
  readonly comparison?: Comparison;
  /** Tolerated increase against stable, read by `toleranceUnit` (`50%` → 0.5, `2pt` → 0.02, a bare `200` → 200 in the metric's unit). */
  readonly maxIncrease?: number;
  /** Tolerated decrease against stable, a fraction read by `toleranceUnit`. */
  readonly maxDecrease?: number;
  /** With a tolerance: `relative` (a fraction of stable's value) or `points` (absolute points of a rate). */
  readonly toleranceUnit?: 'relative' | 'points' | 'absolute';
  /** A custom metric's source: a span attribute or a tracking event and its aggregation, or a score's pass mark. */
  readonly from?:
    | { readonly attribute: string; readonly aggregate: string }
    | { readonly event: string; readonly aggregate: string }
    | { readonly score: string; readonly pass: { readonly comparison: Comparison; readonly value: number } };
  /** `eval_pass_rate` only: the evaluator this entry gates; its checks are `eval_pass_rate:<evaluator>`. */
  readonly evaluator?: string;
  /** `downstream_error_rate` / `downstream_latency_p99` only: the service this entry gates; checks are `downstream_error_rate:<service>`. */
  readonly service?: string;
  /** What the controller does when the metric's check fails. */
  readonly onFail: MetricOnFail;
  /** Whether the statistical regression test against stable runs. */
  readonly compare: boolean;
}

/**
 * The name a metric entry's checks, arms and `metricInfo` use: `eval_pass_rate:<evaluator>` and
 * `downstream_error_rate:<service>` for the per-evaluator and per-service entries, the entry's name otherwise.
 *
 * @example
 * metricKeyOf({ name: 'downstream_error_rate', service: 'billing-parser' }); // 'downstream_error_rate:billing-parser'
 */
export function metricKeyOf(spec: Pick<MetricSpecView, 'name' | 'evaluator' | 'service'>): string {
  const qualifier = spec.evaluator ?? spec.service;
  return qualifier === undefined ? spec.name : `${spec.name}:${qualifier}`;
}

/** `spec.rollout.analysis` of a pack or a rollout, defaults applied. */
export interface AnalysisSpecView {
  readonly intervalMs: number;
  readonly failureThreshold: number;
  readonly minSamples: number;
  readonly maxInconclusiveMs: number;
  readonly metrics: readonly MetricSpecView[];
}

/** A pack's normalised `spec.rollout` (the fields clients read; the daemon sends the whole of it). */
export interface RolloutSpecView {
  /** The context attribute that makes assignment sticky. */
  readonly bucketBy: string;
  /** Analysis at 100% before the version becomes stable. */
  readonly monitorForMs: number;
  readonly analysis: AnalysisSpecView;
}

/** One revision in a pack's `history`, newest first. */
export interface PackHistoryEntry {
  readonly revision: number;
  readonly version: string;
  /** What applying the revision did, e.g. `rollout`, `noop`, `stable`. */
  readonly outcome: string;
  readonly rolloutId: string | null;
  readonly actor: string;
  readonly appliedAt: string;
}

/** A pack as `GET /api/v1/packs` lists it and `GET /api/v1/packs/{name}` shows it (with `history`). */
export interface PackView {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly labels?: Readonly<Record<string, unknown>>;
    readonly annotations?: Readonly<Record<string, unknown>>;
  };
  readonly spec: {
    readonly version: string;
    readonly prompts?: Readonly<Record<string, PromptEntryView>>;
    readonly model?: ModelView;
    readonly attributes?: Readonly<Record<string, unknown>>;
    readonly rollout: RolloutSpecView;
  };
  readonly name: string;
  readonly stableVersion: string;
  /** The revision the pack is at. */
  readonly revision: number;
  /** The id of the pack's live rollout, or `null`. */
  readonly liveRollout: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** The pack's revisions, newest first: only from `GET /api/v1/packs/{name}`. */
  readonly history?: readonly PackHistoryEntry[];
  /** The pack's last rollback drill (`POST /api/v1/packs/{name}/drill`), `null` when never drilled. */
  readonly lastDrill?: LastDrill | null;
}

/** One step of a rollback drill: `committed`, `pushed`, `applied` or `webhooks`. */
export interface DrillStepView {
  readonly name: string;
  readonly ok: boolean;
  /** From the drill's start until the step held or was given up, ms. */
  readonly ms: number;
  readonly detail: string;
}

/** The answer of `POST /api/v1/packs/{name}/drill` (200 whether or not every step held). */
export interface DrillReportView {
  readonly ok: boolean;
  readonly steps: readonly DrillStepView[];
}

/** A pack's last rollback drill. */
export interface LastDrill extends DrillReportView {
  /** When it started (ISO 8601). */
  readonly at: string;
  /** The config revision it pushed. */
  readonly revision: number;
}

/** A drill older than this is overdue: `canary status` and the dashboard warn (30 days). */
export const DRILL_MAX_AGE_MS = 30 * 24 * 3_600_000;

/** One prompt of a version: its text, and its role when the pack gives one. */
export interface PromptEntryView {
  readonly text: string;
  readonly role?: string;
}

/** The model a version calls, with its parameters (`temperature`, `max_tokens`, …). */
export interface ModelView {
  readonly name: string;
  readonly provider?: string;
  readonly parameters?: Readonly<Record<string, unknown>>;
}

/**
 * The content of one version: what the companion flag `<pack>.content` serves, and
 * `GET /api/v1/packs/{name}/versions/{version}` answers (with `contentHash`).
 */
export interface VersionBundleView {
  readonly version: string;
  readonly prompts: Readonly<Record<string, PromptEntryView>>;
  /** `null` when the pack names no model. */
  readonly model: ModelView | null;
  readonly attributes: Readonly<Record<string, unknown>>;
}

/** One applied version, as `GET /api/v1/packs/{name}/versions` lists them (first applied first). */
export interface PackVersionView {
  readonly version: string;
  /** `sha256:<hex>` of the bundle's canonical JSON: the same content always has the same hash. */
  readonly contentHash: string;
  /** Bytes of the bundle's JSON. */
  readonly bytes: number;
  /** The pack revision that first applied it. */
  readonly revision: number;
  readonly actor: string;
  readonly firstAppliedAt: string;
  /** Whether the version is served now: `stable`, `canary`, or `null`. */
  readonly serving: 'stable' | 'canary' | null;
}

/** The answer of `GET /api/v1/packs/{name}/versions/{version}`: the bundle and its hash. */
export interface PackVersionContent extends VersionBundleView {
  readonly contentHash: string;
}

/** The answer of `PUT /api/v1/packs/{name}` (200 or 201). */
export interface ApplyResult {
  readonly pack: PackView;
  readonly revision: number;
  /** The rollout the apply started, when it started one. */
  readonly rollout?: RolloutView;
  /** Non-fatal remarks about the document, when there are any. */
  readonly warnings?: readonly string[];
}

// ---------------------------------------------------------------------------------------------------------------
// Rollouts

/** A rollout as `GET /api/v1/rollouts` lists it. */
export interface RolloutView {
  readonly id: string;
  readonly pack: string;
  readonly phase: RolloutPhase;
  readonly reason: string;
  readonly stableVersion: string;
  readonly canaryVersion: string;
  /** The ramp's (or the segment phase's) weight; 0 after a rollback. */
  readonly weight: number;
  /** What the split serves right now, schedule windows included. */
  readonly effectiveWeight: number;
  /** The ramp step, from 1; 0 during segment phases. */
  readonly step: number;
  /** How many ramp steps the plan has (a daemon extension of API.md). */
  readonly steps: number;
  /** The active segment phase's name, `null` once the ramp runs. */
  readonly segment: string | null;
  readonly startedAt: string;
  readonly updatedAt: string;
  /** When the rollout completed or rolled back; `null` while it is live. */
  readonly endedAt: string | null;
  /** `spec.rollout.strategy`: a progressive canary, or a blue-green switch (absent from older daemons). */
  readonly strategy?: RolloutStrategy;
  /**
   * Where in its strategy the rollout is: `segment` (a segment phase), `ramp`, `monitor` (100% with `monitorFor`)
   * for a canary; `preview` or `rollbackWindow` (switched, the old version still the one-step fallback) for a
   * blue-green switch; `null` once it has ended.
   */
  readonly stage?: RolloutStage | null;
  /** When the current stage's time is up (a preview's `duration`, the rollback window, a step's minimum), or `null`. */
  readonly stageEndsAt?: string | null;
}

/** `spec.rollout.strategy`. */
export type RolloutStrategy = 'canary' | 'blueGreen';

/** A live rollout's stage within its strategy (`RolloutView.stage`). */
export type RolloutStage = 'segment' | 'ramp' | 'monitor' | 'preview' | 'rollbackWindow';

/** One step of a rollout's ramp. The last step is always at 100%. */
export interface RampStepView {
  readonly weight: number;
  /** Minimum time on the step before the controller may step up. */
  readonly minDurationMs: number;
  /** A person must promote past this step. */
  readonly approval: boolean;
  /** On the 100% step: analysis time before the rollout completes; 0 elsewhere. */
  readonly monitorForMs: number;
}

/** One segment phase of a rollout's plan (its condition and schedule windows are sent too, untyped here). */
export interface SegmentPhaseView {
  readonly name: string;
  readonly weight: number;
  readonly durationMs: number;
}

/**
 * A schedule window of a rollout's plan, applied during the ramp: exactly one of `canaryWeight` (the split's weight
 * while it is open) and `capWeight` (a cap on the ramp's weight while it is open) is set.
 */
export interface ScheduleWindowView {
  /** `HH:MM-HH:MM`, UTC, start inclusive, end exclusive; wraps midnight when the end is earlier. */
  readonly daily: string;
  /** The days it opens on (`mon`…`sun`); every day when absent. */
  readonly days?: readonly ('mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun')[];
  /** ISO timestamp from which it applies (inclusive). */
  readonly from?: string;
  /** ISO timestamp until which it applies (exclusive). */
  readonly until?: string;
  readonly canaryWeight?: number;
  readonly capWeight?: number;
}

/** A rollout's compiled plan: the segment phases, then the ramp, with the schedule windows of the ramp. */
export interface RolloutPlanView {
  readonly bucketBy: string;
  /** `canary` or `blueGreen` (absent from older daemons: canary). */
  readonly strategy?: RolloutStrategy;
  /**
   * Blue-green only: the rollback window after the switch, in ms (the 100% step's `monitorForMs` too). A preview is
   * the plan's one segment phase (`preview.segment`) or its first step (`preview.weight`).
   */
  readonly rollbackWindowMs?: number;
  readonly segmentPhases: readonly SegmentPhaseView[];
  readonly steps: readonly RampStepView[];
  /** The schedule windows, in the pack's order (the first open one applies); absent from older daemons. */
  readonly windows?: readonly ScheduleWindowView[];
}

/** One recorded transition of a rollout's timeline. */
export interface TimelineEntry {
  readonly at: string;
  /** `null` for the start of the rollout. */
  readonly from: RolloutPhase | null;
  readonly to: RolloutPhase;
  readonly weight: number;
  readonly actor: string;
  readonly reason: string;
}

/** What the controller decided on a look. */
export interface ControllerDecision {
  readonly kind: 'hold' | 'step' | 'complete' | 'pause' | 'rollback';
  readonly reason: string;
  /** Why it paused, for `pause`. */
  readonly cause?: string;
}

/** One check as the controller saw it on its latest look. */
export interface LastCheckEntry {
  readonly metric: string;
  readonly kind: CheckKind;
  readonly result: CheckResult;
  readonly stable: number | null;
  readonly canary: number | null;
  readonly threshold?: number;
  readonly n: { readonly stable: number; readonly canary: number };
  readonly reason: string;
  readonly onFail?: MetricOnFail;
}

/** The controller's latest look at a rollout (`lastCheck` of the rollout detail and of the analysis). */
export interface LastCheck {
  /** When the look was taken (ISO 8601). */
  readonly at: string;
  /** The stage looked at: `segment index/step index`. */
  readonly stage: string;
  readonly checks: readonly LastCheckEntry[];
  readonly srm: { readonly result: SrmOutcome; readonly reason: string };
  readonly decision: ControllerDecision;
  /** Consecutive failed looks by metric, after this look. */
  readonly failures: Readonly<Record<string, number>>;
  /** Since when each gated metric has been inconclusive (ISO 8601), after this look. */
  readonly inconclusiveSince: Readonly<Record<string, string>>;
  /**
   * Why the look failed (its analysis threw an error): the look then counts as no data, and a failure that lasts
   * pauses the rollout with `NoData`. Absent when the look ran.
   */
  readonly error?: string;
}

/**
 * A rollout as `GET /api/v1/rollouts/{id}` shows it (and as the rollout actions answer): the list fields plus its
 * spec, plan and timeline.
 */
export interface RolloutDetail extends RolloutView {
  readonly spec: RolloutSpecView;
  readonly plan: RolloutPlanView;
  /** Every transition, oldest first. */
  readonly timeline: readonly TimelineEntry[];
  /**
   * The controller's latest look: `null` before its first look. Sent by `GET /api/v1/rollouts/{id}`, not by the
   * rollout actions.
   */
  readonly lastCheck?: LastCheck | null;
  /** The evaluation hook's batches (`analysis.evaluation`), sent by `GET /api/v1/rollouts/{id}` when it has one. */
  readonly evaluation?: EvaluationBatchesView;
}

/** A rollout's batches of sampled traces sent to its evaluation hook. */
export interface EvaluationBatchesView {
  /** Batches sent. */
  readonly sent: number;
  /** Answered by scores with their `batchId` before their deadline. */
  readonly scored: number;
  /** Not scored within `timeout` (a finding). */
  readonly late: number;
  /** Sent, not yet scored, not yet late. */
  readonly pending: number;
  /** When the last batch was sent (ISO), `null` before the first. */
  readonly lastSentAt: string | null;
}

// ---------------------------------------------------------------------------------------------------------------
// Analysis

/** Which kind of check produced a result (STATISTICS.md "Three kinds of check"). */
export type CheckKind = 'threshold' | 'relative' | 'regression';

/** A check's machine-readable outcome. `Inconclusive` means too few samples or no data. */
export type CheckResult = 'Pass' | 'Fail' | 'Inconclusive';

/** People's words for a check's outcome (API.md "Analysis"). */
export type CheckStatus = 'Improved' | 'OK' | 'Watch' | 'Degraded' | 'Inconclusive';

/** The sample-ratio-mismatch verdict; `n/a` during segment phases. */
export type SrmOutcome = 'Pass' | 'Fail' | 'Inconclusive' | 'n/a';

/** One metric check of an analysis (`checks[]`). */
export interface AnalysisCheck {
  readonly metric: string;
  readonly kind: CheckKind;
  readonly result: CheckResult;
  readonly status: CheckStatus;
  /** Stable's value over the check's window, `null` without data. Rates are fractions, latencies ms. */
  readonly stable: number | null;
  /** Canary's value over the check's window, `null` without data. */
  readonly canary: number | null;
  /** The hard limit, for threshold checks. */
  readonly threshold?: number;
  /** Always-valid interval of canary − stable, for sequential checks. */
  readonly interval?: readonly [number, number];
  /** Samples per arm behind the values. */
  readonly n: { readonly stable: number; readonly canary: number };
  /**
   * Distinct assignment units per arm behind the values (estimated), when spans carry `feature_flag.context.id`.
   */
  readonly nUnits?: { readonly stable: number; readonly canary: number };
  /** The span of time a hard limit judged: the last interval, widened back within the step to its minimum samples. */
  readonly window?: { readonly from: string; readonly to: string };
  /** One readable line with the figures. */
  readonly reason: string;
  /** What the controller does when this check fails. */
  readonly onFail: MetricOnFail;
  /** Always-valid p-value, for sequential checks. */
  readonly pValue?: number;
  /** The level this check is held to, for sequential checks. */
  readonly alpha?: number;
}

/** One arm (stable or canary) of an analysis. */
export interface AnalysisArm {
  /** The arm's version; absent when the daemon does not know it. */
  readonly version?: string;
  readonly n: number;
  /** Every built-in metric with data plus every configured one (rates as fractions, latencies in ms). */
  readonly metrics: Readonly<Record<string, number>>;
}

/** The sample-ratio-mismatch check of an analysis. */
export interface SrmCheck {
  /** Canary share the split should have produced; `null` without data. */
  readonly expectedShare: number | null;
  /** Canary share of the split-assigned spans seen; `null` without data. */
  readonly observedShare: number | null;
  readonly result: SrmOutcome;
  /** Split-assigned units (or, for spans without a unit, spans) counted. */
  readonly n: number;
  /** Distinct split-assigned units per arm at first exposure (estimated totals when sampled). */
  readonly units?: { readonly stable: number; readonly canary: number };
  readonly pValue?: number;
  readonly reason: string;
}

/**
 * What a metric's values are: `fraction` a rate from 0 to 1, `ms` milliseconds, `tokens` a token count, `cost` money
 * per request, `rating` the 1–5 satisfaction scale, `number` anything else.
 */
export type MetricUnit = 'fraction' | 'ms' | 'tokens' | 'cost' | 'rating' | 'number';

/** Which way is better for a metric. */
export type MetricDirection = 'higher' | 'lower';

/** How to read a metric: `fraction` values are rates (0–1), `ms` latencies, `cost` money per request. */
export interface MetricInfo {
  readonly unit: MetricUnit;
  /** Which way is better. */
  readonly direction: MetricDirection;
}

/** The answer of `GET /api/v1/rollouts/{id}/analysis`. */
export interface Analysis {
  readonly window: { readonly from: string; readonly to: string };
  readonly arms: { readonly stable: AnalysisArm; readonly canary: AnalysisArm };
  /** Unit and direction of every metric in `arms` and `checks` (the values there stay plain numbers). */
  readonly metricInfo: Readonly<Record<string, MetricInfo>>;
  readonly checks: readonly AnalysisCheck[];
  readonly srm: SrmCheck;
  /**
   * Where the comparisons' data came from; `null` where only hard limits apply. `before` is set for a before/after
   * comparison (monitoring at 100%, a blue-green rollback window): the span of stable's figures from before.
   */
  readonly comparisons: {
    readonly scope: 'split' | 'targeting';
    readonly from: string;
    readonly before?: { readonly from: string; readonly to: string };
  } | null;
  /** The rollout's strategy (absent from older daemons: canary). */
  readonly strategy?: RolloutStrategy;
  /** The rollout's stage when the analysis was computed (`RolloutView.stage`); absent from older daemons. */
  readonly stage?: RolloutStage | null;
  /** The controller's latest look, `null` before its first look. */
  readonly lastCheck: LastCheck | null;
  /** Served versus assigned per app instance since the stage began: `Fail` pauses the rollout. */
  readonly assignments?: AssignmentsCheck;
}

/** Whether app instances serve what the split assigns (`feature_flag.version` + `promptcanary.bucket` on spans). */
export interface AssignmentsCheck {
  readonly result: 'Pass' | 'Fail' | 'n/a';
  readonly reason: string;
  /** Instances serving other than assigned, above the tolerated rate. */
  readonly mismatched: ReadonlyArray<{
    readonly instance: string;
    readonly checked: number;
    readonly mismatched: number;
    readonly rate: number;
  }>;
  /** Instances evaluating with a config revision more than 5 behind the current one. */
  readonly lagging: ReadonlyArray<{
    readonly instance: string;
    readonly revision: number;
    readonly behind: number;
  }>;
}

// ---------------------------------------------------------------------------------------------------------------
// Audit and events

/** One audit entry (`GET /api/v1/audit` items, `event: audit` of `/api/v1/events`). */
export interface AuditEntry {
  readonly id: number;
  /** ISO timestamp. */
  readonly at: string;
  /** The acting token's name, or `controller` / `system` for the daemon itself. */
  readonly actor: string;
  /** Dotted verb, e.g. `flag.put`, `rollout.rollback`. */
  readonly action: string;
  /** What was acted on, e.g. `flag:checkout`, `pack:support-prompts`. */
  readonly target: string;
  /** The pack concerned, when there is one. */
  readonly pack: string | null;
  readonly reason: string | null;
  readonly before: unknown;
  readonly after: unknown;
  /** The config revision this change produced, when it changed the config. */
  readonly revision: number | null;
}

/** A page of `GET /api/v1/audit`, newest first. */
export interface AuditPage {
  readonly items: readonly AuditEntry[];
  /** Pass as `cursor` for the next (older) page; `null` on the last page. */
  readonly nextCursor: string | null;
}

/** `event: rollout` of `GET /api/v1/events`: a rollout's transition. */
export interface RolloutEvent {
  readonly id: string;
  readonly pack: string | null;
  /** The action without its `rollout.` prefix, e.g. `started`, `rollback`. */
  readonly action: string;
  readonly phase?: RolloutPhase;
  readonly weight?: number;
  readonly reason: string | null;
  readonly actor: string;
  readonly at: string;
}
