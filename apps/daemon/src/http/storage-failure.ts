/**
 * A database failure that is not a bug: the write lock held by another connection past the busy timeout, or a
 * statement cancelled by its timeout, a serialization failure or a deadlock (`busy`: a backup, a second process);
 * no room left (`full`: the disk, or the database's size limit); the server cannot be reached (`unavailable`:
 * PostgreSQL down, the network cut). The transaction is rolled back in every case, so nothing of the write was
 * made; the caller may retry.
 */
export type StorageFailure = 'busy' | 'full' | 'unavailable';

/** The code `PgConnection` gives an error meaning PostgreSQL could not be reached. */
const PG_UNAVAILABLE = 'CANARY_STORAGE_UNAVAILABLE';

/**
 * Classifies a database error: better-sqlite3's by extended code (`SQLITE_BUSY_SNAPSHOT`, `SQLITE_FULL`, …),
 * PostgreSQL's by SQLSTATE (class 08 connection, 53 resources, 40 rollbacks, 57014 cancelled) or the bridge's
 * unavailable code.
 */
export function storageFailureOf(error: unknown): StorageFailure | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  if (code.startsWith('SQLITE_')) {
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'busy';
    if (code === 'SQLITE_FULL' || code === 'SQLITE_IOERR_WRITE' || code === 'SQLITE_IOERR_FSYNC')
      return 'full';
    return undefined;
  }
  if (code === PG_UNAVAILABLE) return 'unavailable';
  if (!/^[0-9A-Z]{5}$/.test(code)) return undefined;
  if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03') return 'unavailable';
  if (code === '53100' || code === '53200' || code === '54000') return 'full';
  if (code.startsWith('40') || code === '55P03' || code === '57014' || code === '53300') return 'busy';
  return undefined;
}
