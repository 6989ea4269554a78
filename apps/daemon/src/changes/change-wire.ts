/**
 * The signal that another replica committed a change: a nudge, not the change itself (the change is read from the
 * store), so a lost or doubled signal costs a read, never a change. PostgreSQL's LISTEN/NOTIFY is the adapter
 * (`PgChangeWire`).
 */
export interface ChangeWire {
  /**
   * Starts listening. `onSignal` runs on every notification and after every (re)connection, since changes may
   * have been committed while the wire was down.
   */
  start(onSignal: () => void): void;
  /** Whether the wire is listening now (a metric and a log line when it is not; the periodic catch-up covers it). */
  connected(): boolean;
  /** Stops listening and closes the connection. */
  close(): Promise<void>;
}
