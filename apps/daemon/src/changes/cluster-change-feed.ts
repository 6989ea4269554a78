import type { AuditEntry, AuditStore } from '../audit/audit-store.js';
import type { ChangeEvent, ChangeFeed, ChangeListener } from './change-feed.js';
import type { ChangeWire } from './change-wire.js';

/** Where a replica reads the changes it has not delivered yet: the audit log, one entry per change. */
export type ChangeSource = Pick<AuditStore, 'since' | 'list'>;

/** What {@link ClusterChangeFeed} is built from. */
export interface ClusterChangeFeedDeps {
  /** The shared audit log. Its ids must become visible in id order (the PostgreSQL adapter locks to ensure it). */
  readonly source: ChangeSource;
  /** Tells this replica that another one committed; the catch-up reads what. */
  readonly wire: ChangeWire;
  /** Wall-clock ms (the lag metric). */
  readonly now: () => number;
  /** Real-time timers (the periodic catch-up). */
  readonly setTimer: (delayMs: number, fn: () => void) => () => void;
  /** How often to catch up without a signal, so a lost notification costs at most this long (ms, default 5000). */
  readonly pollMs?: number;
  /** Receives what a listener throws, so one broken listener cannot stop the others. */
  readonly onListenerError?: (error: unknown) => void;
  /** Receives a catch-up that failed (the database away); the next signal or poll retries it. */
  readonly onCatchUpError?: (error: unknown) => void;
}

/** Entries read per query while catching up. */
const PAGE = 500;

/**
 * A {@link ChangeFeed} for replicas sharing one database. A change committed here is delivered at once (as
 * {@link InProcessChangeFeed} does); changes committed by other replicas are read from the audit log after the
 * last one delivered, whenever the {@link ChangeWire} signals, after it reconnects, and every `pollMs`, and are
 * delivered with `remote: true`. Listeners see every change once, in commit order.
 */
export class ClusterChangeFeed implements ChangeFeed {
  readonly #deps: ClusterChangeFeedDeps;
  readonly #listeners = new Set<ChangeListener>();
  /** The id of the last audit entry delivered: every change up to it has reached the listeners. */
  #cursor: number;
  #pending = false;
  #cancelPoll: (() => void) | null = null;
  #closed = false;

  constructor(deps: ClusterChangeFeedDeps) {
    this.#deps = deps;
    // Listeners start from the state they read when built: only changes after now are news to them.
    this.#cursor = deps.source.list({ limit: 1 }).items[0]?.id ?? 0;
  }

  /** Starts listening to the wire and the periodic catch-up. */
  start(): void {
    this.#deps.wire.start(() => this.#signal());
    this.#poll();
  }

  /** Stops listening. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#cancelPoll?.();
    this.#cancelPoll = null;
    await this.#deps.wire.close();
  }

  /** The id of the last change delivered. */
  cursor(): number {
    return this.#cursor;
  }

  publish(event: ChangeEvent): void {
    // Changes other replicas committed before this one are delivered first, so listeners keep commit order.
    try {
      this.#catchUp(event);
    } catch (error) {
      this.#deps.onCatchUpError?.(error);
    }
    if (event.audit.id > this.#cursor) {
      this.#cursor = event.audit.id;
      this.#deliver(event);
    }
  }

  subscribe(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  lagMs(): number {
    const next = this.#deps.source.since(this.#cursor, 1)[0];
    return next === undefined ? 0 : Math.max(0, this.#deps.now() - Date.parse(next.at));
  }

  /** Reads and delivers every change after the cursor now (tests, and what a signal schedules). */
  catchUp(): number {
    return this.#catchUp(null);
  }

  #catchUp(local: ChangeEvent | null): number {
    let delivered = 0;
    for (;;) {
      const page = this.#deps.source.since(this.#cursor, PAGE);
      for (const audit of page) {
        // A listener that commits a change of its own delivers it (and moves the cursor past it) before this loop
        // ends: what this page still holds behind the cursor was delivered then.
        if (audit.id <= this.#cursor) continue;
        this.#cursor = audit.id;
        // The change this replica is announcing keeps its own event (remote: false).
        this.#deliver(local !== null && audit.id === local.audit.id ? local : remoteEvent(audit));
        delivered++;
      }
      if (page.length < PAGE) return delivered;
    }
  }

  #signal(): void {
    // Notifications arrive in bursts: one catch-up serves all that arrive before it runs.
    if (this.#pending || this.#closed) return;
    this.#pending = true;
    setImmediate(() => {
      this.#pending = false;
      if (this.#closed) return;
      try {
        this.#catchUp(null);
      } catch (error) {
        this.#deps.onCatchUpError?.(error);
      }
    });
  }

  #poll(): void {
    if (this.#closed) return;
    this.#cancelPoll = this.#deps.setTimer(this.#deps.pollMs ?? 5000, () => {
      this.#signal();
      this.#poll();
    });
  }

  #deliver(event: ChangeEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.#deps.onListenerError?.(error);
      }
    }
  }
}

function remoteEvent(audit: AuditEntry): ChangeEvent {
  return { audit, revision: audit.revision, remote: true };
}
