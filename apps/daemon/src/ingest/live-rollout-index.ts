import { BUILT_IN_METRICS, type ExtractOptions } from '@prompt-canary/analysis';
import { contentKeyOf } from '../flags/companion-key.js';
import { metricAttributesOf } from '../packs/analysis-config-of.js';
import type { PackStore } from '../packs/pack-store.js';
import type { AnalysisSpec } from '../packs/prompt-pack.js';
import type { Rollout } from '../rollouts/rollout-state.js';
import type { RolloutStore } from '../rollouts/rollout-store.js';
import { baselineRolloutId } from './pack-baseline.js';
import type { Arm, TelemetrySource } from './slice-key.js';
import type { SliceStore } from './slice-store.js';

/**
 * What ingest credits an item to: a live rollout, or the rolling baseline of a pack at rest (a pseudo-rollout with
 * id `baseline:<pack>` whose stable version is the pack's and which has no canary version).
 */
export interface IndexedRollout {
  readonly id: string;
  readonly pack: string;
  readonly stableVersion: string;
  /** `undefined` for a baseline: no variant is its canary. */
  readonly canaryVersion: string | undefined;
}

/** A live rollout (or a pack's baseline) as ingest needs it, looked up by flag key (the pack's name). */
export interface LiveRolloutEntry {
  readonly rollout: IndexedRollout;
  /**
   * The live rollout itself; `undefined` for a pack's baseline, which feeds nothing but its slices (no sample-ratio
   * exposures, no evaluation sampling).
   */
  readonly live: Rollout | undefined;
  /** What `extractSpanObservation` keeps: the attributes custom metrics read, the price table. */
  readonly extract: ExtractOptions;
  /**
   * Whether the trace join records its traces, for late scores: always for a live rollout; for a baseline only when
   * the pack's analysis may read scores (the join is the costliest thing ingest does with a span).
   */
  readonly joinsScores: boolean;
  /** The telemetry this rollout reads, once decided (first source wins). Mutable: set by the sink on commit. */
  source: TelemetrySource | undefined;
}

function extractOf(analysis: AnalysisSpec): ExtractOptions {
  return { metricAttributes: metricAttributesOf(analysis), costs: analysis.costs };
}

/**
 * Whether any metric of `analysis` may read late scores: `eval_pass_rate`, a `from: {score}` metric, or a custom
 * metric without `from` (named after a score or a tracking event).
 */
export function readsScores(analysis: Pick<AnalysisSpec, 'metrics'>): boolean {
  return analysis.metrics.some(
    (m) =>
      m.name === 'eval_pass_rate' ||
      (m.from !== undefined && 'score' in m.from) ||
      (m.from === undefined && !BUILT_IN_METRICS.includes(m.name)),
  );
}

/**
 * The live rollouts (`Progressing` or `Paused`) by pack name, and, when it is given the packs, the rolling baseline
 * of every pack at rest (a pack with no live rollout: its stable version's items are kept under
 * `baseline:<pack>`), rebuilt from the store when the change feed announces a change (`refresh`), never queried
 * per span.
 *
 * A refresh also keeps the stored baselines true: a pack whose stable version changed gets its old version's
 * baseline deleted before the new one's first item (`SliceStore.holdBaseline`), and a deleted pack loses its
 * baseline (`SliceStore.deleteBaseline`).
 */
export class LiveRolloutIndex {
  readonly #rollouts: Pick<RolloutStore, 'listLive'>;
  readonly #slices: Pick<SliceStore, 'source' | 'holdBaseline' | 'deleteBaseline'>;
  readonly #packs: Pick<PackStore, 'list'> | undefined;
  readonly #onError: (error: unknown, pack: string) => void;
  #byPack = new Map<string, LiveRolloutEntry>();
  #byId = new Map<string, LiveRolloutEntry>();
  /** The version each pack's baseline was last made to hold by this process, by pack name. */
  #held = new Map<string, string>();
  /** The packs of the last refresh (at rest or not), whose baselines go when they are gone. */
  #known = new Set<string>();

  /**
   * @param baselines the packs, when their baselines are kept; `onError` is told when a baseline could not be reset
   * or deleted (that pack then has no baseline entry, and the next refresh tries again).
   */
  constructor(
    rollouts: Pick<RolloutStore, 'listLive'>,
    slices: Pick<SliceStore, 'source' | 'holdBaseline' | 'deleteBaseline'>,
    baselines?: {
      readonly packs: Pick<PackStore, 'list'>;
      readonly onError?: (error: unknown, pack: string) => void;
    },
  ) {
    this.#rollouts = rollouts;
    this.#slices = slices;
    this.#packs = baselines?.packs;
    this.#onError = baselines?.onError ?? (() => {});
    this.refresh();
  }

  /** Rebuilds the index from the store (keeping the sources already decided). */
  refresh(): void {
    const next = new Map<string, LiveRolloutEntry>();
    const byId = new Map<string, LiveRolloutEntry>();
    const add = (pack: string, entry: LiveRolloutEntry) => {
      next.set(pack, entry);
      // Spans stamped with the companion key by another language's hook (which knows nothing of packs) count for
      // the pack too; our provider's hook stamps the pack's key itself.
      next.set(contentKeyOf(pack), entry);
      byId.set(entry.rollout.id, entry);
    };
    const live = new Set<string>();
    for (const rollout of this.#rollouts.listLive()) {
      const { id, pack, stableVersion, canaryVersion } = rollout;
      live.add(pack);
      add(pack, {
        rollout: { id, pack, stableVersion, canaryVersion },
        live: rollout,
        extract: extractOf(rollout.spec.analysis),
        joinsScores: true,
        source: this.#sourceOf(id),
      });
    }
    if (this.#packs !== undefined) this.#refreshBaselines(live, add);
    this.#byPack = next;
    this.#byId = byId;
  }

  #refreshBaselines(live: ReadonlySet<string>, add: (pack: string, entry: LiveRolloutEntry) => void): void {
    const held = new Map<string, string>();
    const packs = this.#packs?.list() ?? [];
    for (const stored of packs) {
      const { name, stableVersion } = stored;
      // A pack with a live rollout keeps the baseline it had (its stable version's "before"), unfed meanwhile.
      const previous = this.#held.get(name);
      if (previous !== undefined) held.set(name, previous);
      if (live.has(name)) continue;
      if (previous !== stableVersion) {
        // Before the entry exists, so no item of the new version is committed into the old version's slices.
        try {
          this.#slices.holdBaseline(name, stableVersion);
        } catch (error) {
          this.#onError(error, name);
          held.delete(name);
          continue;
        }
        held.set(name, stableVersion);
      }
      const id = baselineRolloutId(name);
      const analysis = stored.pack.spec.rollout.analysis;
      add(name, {
        rollout: { id, pack: name, stableVersion, canaryVersion: undefined },
        live: undefined,
        extract: extractOf(analysis),
        joinsScores: readsScores(analysis),
        source: this.#sourceOf(id, stableVersion),
      });
    }
    const listed = new Set(packs.map((p) => p.name));
    for (const name of this.#known) {
      if (listed.has(name)) continue;
      try {
        this.#slices.deleteBaseline(name);
      } catch (error) {
        // Tried again on the next refresh (and the retention job deletes what no process did).
        this.#onError(error, name);
        listed.add(name);
      }
    }
    this.#held = held;
    this.#known = listed;
  }

  /** The source already decided for `id`: the previous entry's (same rollout, same version), else the store's. */
  #sourceOf(id: string, version?: string): TelemetrySource | undefined {
    const previous = this.#byId.get(id);
    if (previous !== undefined && (version === undefined || previous.rollout.stableVersion === version)) {
      return previous.source;
    }
    return this.#slices.source(id);
  }

  /**
   * Whether the baseline of `pack` still holds `version` (as this process last made it hold), so that a late score
   * of a trace credited to the baseline may join it.
   */
  baselineHolds(pack: string, version: string): boolean {
    return this.#held.get(pack) === version;
  }

  /** A live rollout (or a baseline) by its id. */
  byRolloutId(id: string): LiveRolloutEntry | undefined {
    return this.#byId.get(id);
  }

  /** The live rollout, or else the baseline, of the pack whose name (or companion key `<pack>.content`) is `flagKey`. */
  get(flagKey: string): LiveRolloutEntry | undefined {
    return this.#byPack.get(flagKey);
  }
}

/** The arm a variant belongs to: the rollout's canary or stable version, else `undefined`. */
export function armOf(
  rollout: Pick<IndexedRollout, 'canaryVersion' | 'stableVersion'>,
  variant: unknown,
): Arm | undefined {
  if (variant === undefined) return undefined;
  if (variant === rollout.canaryVersion) return 'canary';
  if (variant === rollout.stableVersion) return 'stable';
  return undefined;
}
