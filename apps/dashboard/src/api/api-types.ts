/**
 * The shapes the dashboard reads from canaryd, as API.md names them. Only the fields the dashboard uses are typed;
 * the daemon may send more.
 */

/** Rollout phases. */
export type RolloutPhase = 'Progressing' | 'Paused' | 'Completed' | 'RolledBack';

/** The token scopes. */
export type Scope = 'evaluate' | 'ingest' | 'read' | 'operate' | 'admin';

/** `GET /api/v1/whoami`: who the token is and what it may do. */
export interface Whoami {
  readonly name: string;
  readonly scopes: readonly Scope[];
}

/** One gated metric of a pack's `spec.rollout.analysis.metrics`, normalised by the daemon. */
export interface MetricSpecView {
  readonly name: string;
  readonly threshold?: number;
  readonly comparison?: '>=' | '<=' | '>' | '<';
  readonly maxIncrease?: number;
  readonly maxDecrease?: number;
}

/** The part of a rollout spec the dashboard shows. */
export interface RolloutSpecView {
  readonly analysis?: {
    readonly intervalMs?: number;
    readonly failureThreshold?: number;
    readonly metrics?: readonly MetricSpecView[];
  };
}

/** The controller's latest look at a rollout (`lastCheck` of the rollout detail). */
export interface LastCheck {
  readonly at: string;
  readonly decision: { readonly kind: string; readonly reason: string };
  /** Consecutive failed looks by metric. */
  readonly failures: Readonly<Record<string, number>>;
}

/** `GET /api/v1/packs` item. */
export interface PackView {
  readonly name: string;
  readonly stableVersion: string | null;
  readonly revision: number;
  readonly liveRollout: string | null;
  readonly updatedAt: string;
  readonly spec: { readonly version: string; readonly rollout?: RolloutSpecView };
}

/** `GET /api/v1/rollouts` item. */
export interface RolloutView {
  readonly id: string;
  readonly pack: string;
  readonly phase: RolloutPhase;
  readonly reason: string;
  readonly stableVersion: string;
  readonly canaryVersion: string;
  readonly weight: number;
  readonly effectiveWeight: number;
  readonly step: number;
  readonly steps?: number;
  readonly segment?: string | null;
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly endedAt?: string | null;
}

/** One recorded transition of a rollout. */
export interface TimelineEntry {
  readonly at: string;
  readonly from: RolloutPhase | null;
  readonly to: RolloutPhase;
  readonly weight: number;
  readonly actor: string;
  readonly reason: string;
}

/** `GET /api/v1/rollouts/{id}`. */
export interface RolloutDetail extends RolloutView {
  readonly spec: RolloutSpecView;
  readonly timeline: readonly TimelineEntry[];
  /** `null` before the controller's first look; absent from daemons without a controller. */
  readonly lastCheck?: LastCheck | null;
}

/** How people read a check's outcome. */
export type CheckStatus = 'Improved' | 'OK' | 'Watch' | 'Degraded' | 'Inconclusive';

/** One metric check of an analysis. */
export interface AnalysisCheck {
  readonly metric: string;
  readonly kind: 'threshold' | 'relative' | 'regression';
  readonly result: 'Pass' | 'Fail' | 'Inconclusive';
  readonly status: CheckStatus;
  readonly stable: number | null;
  readonly canary: number | null;
  readonly threshold?: number | null;
  readonly interval?: readonly [number, number] | null;
  readonly n?: { readonly stable: number; readonly canary: number };
  readonly reason: string;
}

/** One arm of an analysis. */
export interface AnalysisArm {
  readonly version: string;
  readonly n: number;
  readonly metrics: Readonly<Record<string, number>>;
}

/** `GET /api/v1/rollouts/{id}/analysis`. */
export interface Analysis {
  readonly window: { readonly from: string; readonly to: string };
  readonly arms: { readonly stable: AnalysisArm; readonly canary: AnalysisArm };
  readonly checks: readonly AnalysisCheck[];
  readonly srm?: {
    readonly expectedShare: number | null;
    readonly observedShare: number | null;
    readonly result: string;
  };
}

/** One audit entry (`GET /api/v1/audit`, `event: audit`). */
export interface AuditEntry {
  readonly id?: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly pack?: string | null;
  readonly reason?: string | null;
}

/** `GET /api/v1/audit`. */
export interface AuditPage {
  readonly items: readonly AuditEntry[];
  readonly nextCursor: string | null;
}

/** `event: rollout` of `/api/v1/events`. */
export interface RolloutEvent {
  readonly id: string;
  readonly pack: string | null;
  readonly action: string;
  readonly phase?: RolloutPhase;
  readonly weight?: number;
  readonly reason?: string | null;
  readonly actor: string;
  readonly at: string;
}

/** The operator actions on a live rollout. */
export type RolloutAction = 'pause' | 'resume' | 'promote' | 'rollback';
