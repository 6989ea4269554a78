import type { FlagSet } from '@prompt-canary/rules';
import type { ChangeFeed } from '../changes/change-feed.js';
import type { RevisionStore } from '../changes/revision-store.js';
import type { FlagStore } from '../flags/flag-store.js';
import { etagOf } from '../http/content-etag.js';
import { compileEvaluator, type FlagEvaluator } from './flag-evaluator.js';

/** The config providers consume (`GET /api/v1/config`), as of one revision. */
export interface ConfigDocument {
  schemaVersion: 1;
  revision: number;
  flags: FlagSet;
}

/** One revision of the config, serialised and compiled once. */
export interface ConfigSnapshot {
  readonly revision: number;
  readonly document: ConfigDocument;
  /** `document` as JSON text, shared by every response and stream. */
  readonly json: string;
  readonly etag: string;
  readonly evaluator: FlagEvaluator;
}

/** A listener for new snapshots. */
export type SnapshotListener = (snapshot: ConfigSnapshot) => void;

/** Reports a listener or compile failure without stopping the others. */
export type ConfigErrorReporter = (error: unknown, message: string) => void;

/** What the snapshot is read from: the served flags and the config revision, read together. */
export interface SnapshotSource {
  readonly flags: Pick<FlagStore, 'list'>;
  readonly revisions: Pick<RevisionStore, 'current'>;
  transaction<T>(fn: () => T): T;
}

/**
 * Holds the current config snapshot. It reloads from the store when the change feed announces a new revision,
 * compiles the flags into the evaluator then (never per request), and tells its listeners (sync streams, OFREP
 * event streams, metrics).
 */
export class ConfigService {
  readonly #store: SnapshotSource;
  readonly #listeners = new Set<SnapshotListener>();
  readonly #report: ConfigErrorReporter;
  readonly #unsubscribe: () => void;
  #snapshot: ConfigSnapshot;

  constructor(store: SnapshotSource, feed: ChangeFeed, report: ConfigErrorReporter) {
    this.#store = store;
    this.#report = report;
    this.#snapshot = this.#load();
    this.#unsubscribe = feed.subscribe((event) => {
      if (event.revision !== null && event.revision > this.#snapshot.revision) this.reload();
    });
  }

  /** The snapshot being served. */
  current(): ConfigSnapshot {
    return this.#snapshot;
  }

  /** Re-reads the config from the store and, when its revision moved, publishes it to listeners. */
  reload(): ConfigSnapshot {
    const next = this.#load();
    if (next.revision === this.#snapshot.revision && next.json === this.#snapshot.json) return this.#snapshot;
    this.#snapshot = next;
    for (const listener of [...this.#listeners]) {
      try {
        listener(next);
      } catch (error) {
        this.#report(error, 'config listener failed');
      }
    }
    return next;
  }

  /** Listens for new snapshots; returns the function that stops listening. */
  subscribe(listener: SnapshotListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Stops following the change feed and drops every listener. */
  close(): void {
    this.#unsubscribe();
    this.#listeners.clear();
  }

  #load(): ConfigSnapshot {
    // One transaction, so the revision and the flags are read as of the same commit.
    const { revision, flags } = this.#store.transaction(() => ({
      revision: this.#store.revisions.current(),
      flags: this.#store.flags.list(),
    }));
    const set: FlagSet = {};
    for (const stored of flags) set[stored.flag.key] = stored.flag;
    const document: ConfigDocument = { schemaVersion: 1, revision, flags: set };
    const json = JSON.stringify(document);
    return { revision, document, json, etag: etagOf(json), evaluator: compileEvaluator(set) };
  }
}

/**
 * Sends `snapshot` to a stream unless it already has it or a later one: a stream that connected between a
 * commit and its (deferred) fan-out got the new snapshot on connect.
 */
export function isNewer(snapshot: ConfigSnapshot, sent: ConfigSnapshot): boolean {
  return snapshot !== sent && snapshot.revision >= sent.revision;
}
