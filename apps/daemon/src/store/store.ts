import type { AuditStore } from '../audit/audit-store.js';
import type { TokenStore } from '../auth/token-store.js';
import type { ChangeLog } from '../changes/commit-change.js';
import type { RevisionStore } from '../changes/revision-store.js';
import type { ControllerStateStore } from '../controller/controller-state-store.js';
import type { DrillStore } from '../drills/drill-store.js';
import type { EvaluationBatchStore } from '../evaluations/evaluation-batch-store.js';
import type { FlagStore } from '../flags/flag-store.js';
import type { SliceStore } from '../ingest/slice-store.js';
import type { TraceStore } from '../ingest/trace-index.js';
import type { PackStore } from '../packs/pack-store.js';
import type { PackVersionStore } from '../packs/pack-version-store.js';
import type { RolloutStore } from '../rollouts/rollout-store.js';
import type { SegmentStore } from '../segments/segment-store.js';

/**
 * All of the daemon's state, one port per feature, and the transaction that groups their writes. Features never
 * see this interface: each names the ports it uses (`ChangeLog` plus its own), and the app context hands them
 * this store, which satisfies every one. Every change runs inside {@link Store.transaction} (via
 * `commitChange`), so nothing is ever half-written. `SqliteStore` and `PostgresStore` are its adapters; both
 * pass the same contract suites.
 */
export interface Store extends ChangeLog {
  readonly flags: FlagStore;
  readonly segments: SegmentStore;
  readonly tokens: TokenStore;
  readonly audit: AuditStore;
  readonly revisions: RevisionStore;
  readonly packs: PackStore;
  /** Every applied version of each pack with its content, immutable once recorded. */
  readonly packVersions: PackVersionStore;
  readonly rollouts: RolloutStore;
  /** The rollout controller's memory, sequential state and last verdicts, per rollout. */
  readonly controller: ControllerStateStore;
  /** Analysis aggregates per rollout × arm × scope × time slice. */
  readonly slices: SliceStore;
  /** Trace id → assignment, for scores that arrive after their spans. */
  readonly traces: TraceStore;
  /** The evaluation hook's batches (sent, scored, late), per rollout. */
  readonly evaluations: EvaluationBatchStore;
  /** Each pack's last rollback drill. */
  readonly drills: DrillStore;
  /** Throws when the database cannot answer (`/readyz`). */
  ping(): void;
}
