import type { VersionBundle } from './version-bundle.js';

/** One version of a pack as its first apply fixed it. */
export interface PackVersion {
  readonly pack: string;
  readonly version: string;
  /** `sha256:<hex>` of the bundle's canonical JSON. */
  readonly contentHash: string;
  readonly bundle: VersionBundle;
  /** Bytes of the bundle's JSON. */
  readonly bytes: number;
  /** The pack revision that first applied the version. */
  readonly revision: number;
  readonly actor: string;
  readonly firstAppliedAt: string;
}

/** The versions of every pack, immutable once recorded. */
export interface PackVersionStore {
  /** Every recorded version of a pack, in the order they were first applied. */
  list(pack: string): PackVersion[];
  get(pack: string, version: string): PackVersion | undefined;
  /** Records a version the first time it is applied; a version already recorded is left as it is. */
  record(version: PackVersion): void;
  /** Forgets every version of a pack (the pack was deleted). */
  deletePack(pack: string): void;
}
