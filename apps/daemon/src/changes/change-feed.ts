import type { AuditEntry } from '../audit/audit-store.js';

/** What a committed change announces: the audit entry written and, when the config changed, the new revision. */
export interface ChangeEvent {
  audit: AuditEntry;
  revision: number | null;
  /**
   * True when another replica sharing the database committed the change and this one heard of it. Whatever must
   * happen once per change (a webhook, a counter summed across replicas) ignores remote events: the committing
   * replica does it.
   */
  remote?: boolean;
}

/** A listener on the {@link ChangeFeed}. */
export type ChangeListener = (event: ChangeEvent) => void;

/**
 * How committed changes reach the parts that react to them (the config snapshot, sync streams, the events
 * stream). In-process for one replica; a database notification channel when several share one database.
 */
export interface ChangeFeed {
  /** Announces a committed change. Called after the transaction commits, never inside it. */
  publish(event: ChangeEvent): void;
  /** Listens for changes; returns the function that stops listening. */
  subscribe(listener: ChangeListener): () => void;
  /**
   * How far behind the database this replica's listeners are: ms since the oldest committed change not yet
   * delivered, 0 when caught up. Absent where every change is delivered as it commits (one process).
   */
  lagMs?(): number;
}

/** A {@link ChangeFeed} within one process: listeners run synchronously, in subscription order. */
export class InProcessChangeFeed implements ChangeFeed {
  readonly #listeners = new Set<ChangeListener>();
  readonly #onListenerError: (error: unknown) => void;

  /** @param onListenerError receives what a listener throws, so one broken listener cannot stop the others. */
  constructor(onListenerError: (error: unknown) => void = () => {}) {
    this.#onListenerError = onListenerError;
  }

  publish(event: ChangeEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.#onListenerError(error);
      }
    }
  }

  subscribe(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }
}
