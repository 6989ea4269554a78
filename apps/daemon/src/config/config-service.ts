import type { FlagSet, FlagValue } from '@prompt-canary/rules';
import type { ChangeFeed } from '../changes/change-feed.js';
import type { RevisionStore } from '../changes/revision-store.js';
import type { FlagStore } from '../flags/flag-store.js';
import { etagOf } from '../http/content-etag.js';
import { toWireFlags } from './bundle-refs.js';
import { compileEvaluator, type FlagEvaluator } from './flag-evaluator.js';

/**
 * The config providers consume (`GET /api/v1/config`), as of one revision. Companion flags carry bundle references;
 * `bundles` holds the bundles they name, by content hash.
 */
export interface ConfigDocument {
  schemaVersion: 1;
  revision: number;
  flags: FlagSet;
  /** Present when a companion flag names bundles. */
  bundles?: Record<string, FlagValue>;
}

/** One revision of the config, serialised and compiled once. */
export interface ConfigSnapshot {
  readonly revision: number;
  /** Every flag as stored: companion flags with their bundles in place (OFREP, the flagd export). */
  readonly flags: FlagSet;
  readonly document: ConfigDocument;
  /** `document` as JSON text, shared by every response and stream's first event. */
  readonly json: string;
  /**
   * `document` with only the bundles the previous snapshot did not have: what a stream that had the previous
   * snapshot is sent (a provider missing one refetches the whole document).
   */
  readonly deltaJson: string;
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
    this.#snapshot = this.#load(undefined);
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
    const next = this.#load(this.#snapshot);
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

  #load(previous: ConfigSnapshot | undefined): ConfigSnapshot {
    // One transaction, so the revision and the flags are read as of the same commit.
    const { revision, flags } = this.#store.transaction(() => ({
      revision: this.#store.revisions.current(),
      flags: this.#store.flags.list(),
    }));
    const set: FlagSet = {};
    for (const stored of flags) set[stored.flag.key] = stored.flag;
    const wire = toWireFlags(set);
    const hasBundles = Object.keys(wire.bundles).length > 0;
    // Without content the document is exactly as before content existed: no `bundles`.
    const document: ConfigDocument = hasBundles
      ? { schemaVersion: 1, revision, flags: wire.flags, bundles: { ...wire.bundles } }
      : { schemaVersion: 1, revision, flags: wire.flags };
    const json = JSON.stringify(document);
    const known = previous?.document.bundles ?? {};
    const fresh: Record<string, FlagValue> = {};
    for (const [hash, bundle] of Object.entries(wire.bundles))
      if (!Object.hasOwn(known, hash)) fresh[hash] = bundle;
    const { bundles: _all, ...withoutBundles } = document;
    const deltaJson =
      Object.keys(fresh).length === Object.keys(wire.bundles).length
        ? json
        : JSON.stringify(Object.keys(fresh).length === 0 ? withoutBundles : { ...document, bundles: fresh });
    return {
      revision,
      flags: set,
      document,
      json,
      deltaJson,
      etag: etagOf(json),
      evaluator: compileEvaluator(set),
    };
  }
}

/**
 * Sends `snapshot` to a stream unless it already has it or a later one: a stream that connected between a
 * commit and its (deferred) fan-out got the new snapshot on connect.
 */
export function isNewer(snapshot: ConfigSnapshot, sent: ConfigSnapshot): boolean {
  return snapshot !== sent && snapshot.revision >= sent.revision;
}
