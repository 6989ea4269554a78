/** One audit entry: who did what to which target, when, why, and the state before and after. */
export interface AuditEntry {
  id: number;
  /** ISO timestamp. */
  at: string;
  /** The acting token's name, or `controller` / `system` for the daemon itself. */
  actor: string;
  /** Dotted verb, e.g. `flag.put`, `segment.delete`, `rollout.rollback`. */
  action: string;
  /** What was acted on, e.g. `flag:checkout`, `pack:support-prompts`. */
  target: string;
  /** The pack concerned, when there is one (for `GET /api/v1/audit?pack=`). */
  pack: string | null;
  reason: string | null;
  before: unknown;
  after: unknown;
  /** The config revision this change produced, when it changed the config. */
  revision: number | null;
}

/** An audit entry before it is stored. */
export type AuditDraft = Omit<AuditEntry, 'id'>;

/** A page of the audit log, newest first. */
export interface AuditPage {
  items: AuditEntry[];
  /** Pass as `cursor` for the next (older) page; `null` on the last page. */
  nextCursor: string | null;
}

/** Filter and page of {@link AuditStore.list}. */
export interface AuditQuery {
  pack?: string;
  limit: number;
  cursor?: string;
}

/** The audit log: append-only. */
export interface AuditStore {
  /** Appends an entry and returns its id. */
  append(entry: AuditDraft): number;
  /** Sets the revision of an entry appended in the same transaction. */
  setRevision(id: number, revision: number): void;
  /** Entries, newest first. An unknown cursor yields an empty page. */
  list(query: AuditQuery): AuditPage;
  /** Entries with an id greater than `afterId`, oldest first, at most `limit` (for resuming event streams). */
  since(afterId: number, limit: number): AuditEntry[];
  /**
   * Deletes entries older than `at` (retention); config revisions they recorded keep their number and lose the
   * link. Returns how many were deleted.
   */
  pruneBefore(at: string): number;
}
