import type { PackVersion } from './pack-version-store.js';
import type { VersionBundle } from './version-bundle.js';

/** A `pack_versions` row as both engines return it. */
export interface VersionRow {
  pack: string;
  version: string;
  content_hash: string;
  bundle: string;
  bytes: number;
  revision: number;
  actor: string;
  first_applied_at: string;
}

/** The version a `pack_versions` row holds. */
export function versionFromRow(row: VersionRow): PackVersion {
  return {
    pack: row.pack,
    version: row.version,
    contentHash: row.content_hash,
    bundle: JSON.parse(row.bundle) as VersionBundle,
    bytes: row.bytes,
    revision: row.revision,
    actor: row.actor,
    firstAppliedAt: row.first_applied_at,
  };
}
