import { etagOf } from '../http/content-etag.js';
import type { PackOutcome, PackRevision, StoredPack } from './pack-store.js';
import type { PromptPack } from './prompt-pack.js';

/** A `packs` row as both engines return it. */
export interface PackRow {
  name: string;
  stable_version: string;
  revision: number;
  document: string;
  etag: string;
  created_at: string;
  updated_at: string;
}

/** A `pack_revisions` row as both engines return it (the pack's name aside). */
export interface RevisionRow {
  revision: number;
  version: string;
  document: string;
  outcome: PackOutcome;
  rollout_id: string | null;
  actor: string;
  applied_at: string;
}

/** The stored pack a `packs` row holds. */
export function packFromRow(row: PackRow): StoredPack {
  return {
    name: row.name,
    stableVersion: row.stable_version,
    revision: row.revision,
    pack: JSON.parse(row.document) as PromptPack,
    etag: row.etag,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The revision a `pack_revisions` row holds. */
export function revisionFromRow(row: RevisionRow): PackRevision {
  return {
    revision: row.revision,
    version: row.version,
    outcome: row.outcome,
    rolloutId: row.rollout_id,
    actor: row.actor,
    appliedAt: row.applied_at,
    pack: JSON.parse(row.document) as PromptPack,
  };
}

/** A pack's ETag: the same on either engine, so a replica never refuses another's `If-Match`. */
export function packEtag(revision: number, stableVersion: string, document: string): string {
  return etagOf(`${revision}\n${stableVersion}\n${document}`);
}
