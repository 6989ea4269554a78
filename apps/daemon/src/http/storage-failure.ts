/**
 * A database failure that is not a bug: the write lock held by another connection past the busy timeout (`busy`:
 * a backup, a second process), or no room left (`full`: the disk, or the database's `max_page_count`). SQLite
 * rolls the transaction back in both cases, so nothing of the write was made; the caller may retry.
 */
export type StorageFailure = 'busy' | 'full';

/** Classifies a better-sqlite3 error by its extended code (`SQLITE_BUSY_SNAPSHOT`, `SQLITE_FULL`, …). */
export function storageFailureOf(error: unknown): StorageFailure | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return undefined;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'busy';
  if (code === 'SQLITE_FULL' || code === 'SQLITE_IOERR_WRITE' || code === 'SQLITE_IOERR_FSYNC') return 'full';
  return undefined;
}
