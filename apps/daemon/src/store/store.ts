import type { AuditStore } from '../audit/audit-store.js';
import type { RevisionStore } from '../config/revision-store.js';
import type { FlagStore } from '../flags/flag-store.js';
import type { SegmentStore } from '../segments/segment-store.js';
import type { TokenStore } from '../tokens/token-store.js';

/**
 * The daemon's persistent state, one port per feature, and the transaction that groups their writes. Every
 * change runs inside {@link Store.transaction} (via `commitChange`), so nothing is ever half-written.
 */
export interface Store {
  readonly flags: FlagStore;
  readonly segments: SegmentStore;
  readonly tokens: TokenStore;
  readonly audit: AuditStore;
  readonly revisions: RevisionStore;
  /**
   * Runs `fn` in one transaction: committed when it returns, rolled back when it throws. Nested calls join the
   * outer transaction.
   */
  transaction<T>(fn: () => T): T;
}
