/**
 * The shapes of canaryd's answers that the CLI reads (API.md "Resources" and "Analysis"). Declared here, not
 * imported, because the CLI talks HTTP only; fields the CLI does not read are left out or loosely typed.
 */

/** Rollout phases as API.md names them. */
export type RolloutPhase = 'Progressing' | 'Paused' | 'Completed' | 'RolledBack';

/** A rollout as `GET /api/v1/rollouts` lists it. */
export interface RolloutView {
  readonly id: string;
  readonly pack: string;
  readonly phase: RolloutPhase;
  readonly reason: string;
  readonly stableVersion: string;
  readonly canaryVersion: string;
  readonly weight: number;
  readonly effectiveWeight: number;
  /** The ramp step from 1; 0 during segment phases. */
  readonly step: number;
  /** How many ramp steps the plan has (a daemon extension of API.md). */
  readonly steps?: number;
  /** The active segment phase, `null` once the ramp runs. */
  readonly segment?: string | null;
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly endedAt?: string | null;
}

/** One analysed metric of a rollout's spec (normalised by the daemon). */
export interface MetricSpecView {
  readonly name: string;
  readonly threshold?: number;
  readonly thresholdUnit?: 'fraction' | 'ms' | 'number';
  readonly comparison?: '>=' | '<=' | '>' | '<';
  readonly maxIncrease?: number;
  readonly maxDecrease?: number;
  readonly from?: { readonly attribute: string; readonly aggregate: string };
}

/** One transition of a rollout's timeline. */
export interface TimelineEntryView {
  readonly at: string;
  readonly from: RolloutPhase | null;
  readonly to: RolloutPhase;
  readonly weight: number;
  readonly actor: string;
  readonly reason: string;
}

/** A rollout as `GET /api/v1/rollouts/{id}` shows it. */
export interface RolloutDetail extends RolloutView {
  readonly spec: { readonly analysis?: { readonly metrics?: readonly MetricSpecView[] } };
  readonly plan?: {
    readonly steps: readonly { readonly weight: number }[];
    readonly segmentPhases?: readonly { readonly name: string; readonly weight: number }[];
  };
  readonly timeline: readonly TimelineEntryView[];
}

/** One revision in a pack's history. */
export interface PackHistoryEntryView {
  readonly revision: number;
  readonly version: string;
  readonly outcome: string;
  readonly rolloutId: string | null;
  readonly actor: string;
  readonly appliedAt: string;
}

/** A pack as `GET /api/v1/packs[/{name}]` shows it. */
export interface PackView {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string } & Record<string, unknown>;
  readonly spec: { readonly version: string } & Record<string, unknown>;
  readonly name: string;
  readonly stableVersion: string;
  readonly revision: number;
  readonly liveRollout: string | null;
  readonly createdAt?: string;
  readonly updatedAt: string;
  readonly history?: readonly PackHistoryEntryView[];
}

/** The answer of `PUT /api/v1/packs/{name}`. */
export interface ApplyResult {
  readonly pack: PackView;
  readonly revision: number;
  readonly rollout?: RolloutView;
}

/** One audit entry. */
export interface AuditItem {
  readonly id?: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly pack?: string | null;
  readonly reason: string | null;
  readonly before?: unknown;
  readonly after?: unknown;
}

/** A page of `GET /api/v1/audit`. */
export interface AuditPage {
  readonly items: readonly AuditItem[];
  readonly nextCursor: string | null;
}

/** People's words for a check's outcome (API.md "Analysis"). */
export type CheckStatus = 'Improved' | 'OK' | 'Watch' | 'Degraded' | 'Inconclusive';

/** One check of an analysis. */
export interface AnalysisCheck {
  readonly metric: string;
  readonly kind: 'threshold' | 'relative' | 'regression';
  readonly result: 'Pass' | 'Fail' | 'Inconclusive';
  readonly status: CheckStatus;
  readonly stable?: number | null;
  readonly canary?: number | null;
  readonly threshold?: number | null;
  readonly interval?: readonly [number, number] | null;
  readonly n?: { readonly stable?: number; readonly canary?: number };
  readonly reason?: string;
}

/** One arm (stable or canary) of an analysis. */
export interface AnalysisArm {
  readonly version: string;
  readonly n: number;
  readonly metrics: Readonly<Record<string, number>>;
}

/** The answer of `GET /api/v1/rollouts/{id}/analysis`. */
export interface Analysis {
  readonly window?: { readonly from: string; readonly to: string };
  readonly arms?: { readonly stable?: AnalysisArm; readonly canary?: AnalysisArm };
  readonly checks?: readonly AnalysisCheck[];
  readonly srm?: {
    readonly expectedShare: number | null;
    readonly observedShare: number | null;
    readonly result: string;
    readonly reason?: string;
  };
}
