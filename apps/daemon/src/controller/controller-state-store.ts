import type { LookCheck, LookSrm } from './analysis-source.js';
import type { ControllerMemory } from './controller-memory.js';
import type { Decision } from './rollout-machine.js';

/** The controller's latest look at a rollout and what it made of it: API.md's `lastCheck`. */
export interface LastCheck {
  /** When the look was taken (ISO 8601). */
  readonly at: string;
  /** The stage looked at: `segment index/step index`. */
  readonly stage: string;
  readonly checks: readonly LookCheck[];
  readonly srm: LookSrm;
  /** What the machine decided on this look. */
  readonly decision: Decision;
  /** Consecutive failed looks by metric, after this look. */
  readonly failures: Readonly<Record<string, number>>;
  /** Since when each gated metric has been inconclusive (ISO 8601), after this look. */
  readonly inconclusiveSince: Readonly<Record<string, string>>;
  /** Why the look failed (the analysis threw): the look then counts as no data. Absent when it ran. */
  readonly error?: string;
}

/** Everything the controller persists for one rollout. */
export interface ControllerRecord {
  readonly memory: ControllerMemory;
  /** The analysis' sequential state, opaque here. */
  readonly sequentialState?: unknown;
  readonly lastCheck: LastCheck | null;
}

/** The controller's persisted state, by rollout. */
export interface ControllerStateStore {
  get(rolloutId: string): ControllerRecord | undefined;
  save(rolloutId: string, record: ControllerRecord, at: string): void;
}
