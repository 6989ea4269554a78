import type { PromptPack } from './prompt-pack.js';

/** What an apply did to a pack, as its history records it. */
export type PackOutcome = 'create' | 'update' | 'start_rollout' | 'fast_rollback';

/** A pack as stored: the last applied document, the stable version, and its revision. */
export interface StoredPack {
  readonly name: string;
  readonly stableVersion: string;
  /** The number of the last revision, from 1. */
  readonly revision: number;
  readonly pack: PromptPack;
  readonly etag: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** One revision of a pack's history. */
export interface PackRevision {
  readonly revision: number;
  readonly version: string;
  readonly outcome: PackOutcome;
  readonly rolloutId: string | null;
  readonly actor: string;
  readonly appliedAt: string;
  readonly pack: PromptPack;
}

/** A new revision to record. */
export interface PackWrite {
  readonly pack: PromptPack;
  readonly stableVersion: string;
  readonly outcome: PackOutcome;
  readonly rolloutId: string | null;
  readonly actor: string;
  readonly at: string;
}

/** PromptPacks and their revision history. */
export interface PackStore {
  get(name: string): StoredPack | undefined;
  /** Every pack, ordered by name. */
  list(): StoredPack[];
  /** Revisions of a pack, newest first. */
  history(name: string): PackRevision[];
  /** Records a new revision (creating the pack on its first) and returns the stored pack. */
  put(write: PackWrite): StoredPack;
  /** Changes the stable version (a completed rollout) without a new revision. */
  setStableVersion(name: string, version: string, at: string): StoredPack;
  /** Deletes a pack and its history; false when there was none. */
  delete(name: string): boolean;
  /**
   * The notes an upgrade of the stored pack left for its next apply (what a migration wrote down or changed),
   * oldest first, removed as they are read.
   */
  takeUpgradeNotes(name: string): string[];
}
