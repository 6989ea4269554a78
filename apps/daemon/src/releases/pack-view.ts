import type { PackRevision, StoredPack } from '../packs/pack-store.js';
import type { PromptPack } from '../packs/prompt-pack.js';

/** A pack as the API shows it: the normalised document plus its stable version, revision and live rollout. */
export interface PackView extends PromptPack {
  readonly name: string;
  readonly stableVersion: string;
  readonly revision: number;
  /** The id of the pack's live rollout, or `null`. */
  readonly liveRollout: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** One entry of a pack's `history`, without the document. */
export interface PackHistoryEntry {
  readonly revision: number;
  readonly version: string;
  readonly outcome: PackRevision['outcome'];
  readonly rolloutId: string | null;
  readonly actor: string;
  readonly appliedAt: string;
}

/** The API view of a stored pack. */
export function packView(stored: StoredPack, liveRollout: string | null): PackView {
  return {
    ...stored.pack,
    name: stored.name,
    stableVersion: stored.stableVersion,
    revision: stored.revision,
    liveRollout,
    createdAt: stored.createdAt,
    updatedAt: stored.updatedAt,
  };
}

/** The history entries of a pack, newest first. */
export function packHistory(revisions: readonly PackRevision[]): PackHistoryEntry[] {
  return revisions.map(({ pack: _pack, ...entry }) => entry);
}
