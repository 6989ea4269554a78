import type { Rollout, RolloutPhase, TimelineEntry } from './rollout-state.js';

/** Filter of {@link RolloutStore.list}. */
export interface RolloutQuery {
  readonly pack?: string;
  readonly phase?: RolloutPhase;
}

/** Rollout records and their timelines. */
export interface RolloutStore {
  get(id: string): Rollout | undefined;
  /** The pack's rollout that is `Progressing` or `Paused`, if any (at most one). */
  live(pack: string): Rollout | undefined;
  /** Every live rollout, oldest first: what the controller walks. */
  listLive(): Rollout[];
  /** Rollouts matching `query`, newest first. */
  list(query?: RolloutQuery): Rollout[];
  /** Creates or replaces a rollout record. */
  save(rollout: Rollout): void;
  /** Appends a transition to a rollout's timeline. */
  appendTimeline(id: string, entry: TimelineEntry): void;
  /** A rollout's timeline, oldest first. */
  timeline(id: string): TimelineEntry[];
  /** Deletes every rollout of a pack with its timeline; returns how many. */
  deleteForPack(pack: string): number;
}
