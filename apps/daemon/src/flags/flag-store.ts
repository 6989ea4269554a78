import type { Flag } from '@prompt-canary/rules';

/** A flag as stored: the model plus who owns it and its version tag. */
export interface StoredFlag {
  flag: Flag;
  /** The pack whose compiled flag this is, or `null` for a plain flag. */
  ownerPack: string | null;
  etag: string;
  createdAt: string;
  updatedAt: string;
}

/** The flags that make up the config, plain and pack-owned alike. */
export interface FlagStore {
  get(key: string): StoredFlag | undefined;
  /** Every flag, ordered by key. */
  list(): StoredFlag[];
  /** Creates or replaces `flag` (keyed by `flag.key`) and returns the stored row. */
  put(flag: Flag, ownerPack: string | null, at: string): StoredFlag;
  /** Deletes a flag; false when there was none. */
  delete(key: string): boolean;
}
