import pg from 'pg';
import type { ChangeWire } from './change-wire.js';

/**
 * The notification channel every replica listens on; the audit log's trigger notifies it at commit. Channels are
 * per database, not per schema: daemons in other schemas of the same database nudge each other now and then, which
 * costs a catch-up read that finds nothing.
 */
export const CHANGE_CHANNEL = 'canaryd_changes';

/** What {@link PgChangeWire} is built from. */
export interface PgChangeWireOptions {
  /** `postgres://…` of the shared database. */
  readonly connectionString: string;
  readonly channel?: string;
  /** How the connection names itself in `pg_stat_activity` (default `canaryd-changes`). */
  readonly applicationName?: string;
  /** First wait before reconnecting (ms, default 100); doubles up to `maxReconnectMs`. */
  readonly reconnectMs?: number;
  /** Longest wait between reconnection attempts (ms, default 5000). */
  readonly maxReconnectMs?: number;
  /** A lost connection or a failed reconnection (a counter and a log line at the caller). */
  readonly onError?: (error: unknown) => void;
}

/**
 * {@link ChangeWire} on PostgreSQL LISTEN, on a dedicated connection of its own (an asynchronous client: it is not
 * the store's connection and never runs inside a transaction). A dropped connection is reopened with backoff, and
 * every (re)connection signals once, so the feed catches up on what it may have missed.
 */
export class PgChangeWire implements ChangeWire {
  readonly #options: PgChangeWireOptions;
  #client: pg.Client | null = null;
  #listening = false;
  #closed = false;
  #retryTimer: NodeJS.Timeout | null = null;
  #delayMs: number;

  constructor(options: PgChangeWireOptions) {
    this.#options = options;
    this.#delayMs = options.reconnectMs ?? 100;
  }

  start(onSignal: () => void): void {
    void this.#connect(onSignal);
  }

  connected(): boolean {
    return this.#listening;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    const client = this.#client;
    this.#client = null;
    this.#listening = false;
    await client?.end().catch(() => undefined);
  }

  async #connect(onSignal: () => void): Promise<void> {
    if (this.#closed) return;
    const client = new pg.Client({
      connectionString: this.#options.connectionString,
      application_name: this.#options.applicationName ?? 'canaryd-changes',
      keepAlive: true,
    });
    this.#client = client;
    let lost = false;
    const reconnect = (error: unknown) => {
      if (lost) return;
      lost = true;
      this.#listening = false;
      if (this.#closed) return;
      this.#options.onError?.(error);
      void client.end().catch(() => undefined);
      this.#retryTimer = setTimeout(() => {
        this.#retryTimer = null;
        void this.#connect(onSignal);
      }, this.#delayMs);
      this.#retryTimer.unref();
      this.#delayMs = Math.min(this.#delayMs * 2, this.#options.maxReconnectMs ?? 5000);
    };
    client.on('error', reconnect);
    client.on('end', () => reconnect(new Error('change notification connection ended')));
    client.on('notification', () => onSignal());
    try {
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(this.#options.channel ?? CHANGE_CHANNEL)}`);
    } catch (error) {
      reconnect(error);
      return;
    }
    if (this.#closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#listening = true;
    this.#delayMs = this.#options.reconnectMs ?? 100;
    // Whatever was committed while this connection was down is read now.
    onSignal();
  }
}
