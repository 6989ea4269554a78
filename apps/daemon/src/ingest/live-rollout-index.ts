import type { ExtractOptions } from '@prompt-canary/analysis';
import { contentKeyOf } from '../flags/companion-key.js';
import { metricAttributesOf } from '../packs/analysis-config-of.js';
import type { Rollout } from '../rollouts/rollout-state.js';
import type { RolloutStore } from '../rollouts/rollout-store.js';
import type { Arm, TelemetrySource } from './slice-key.js';
import type { SliceStore } from './slice-store.js';

/** A live rollout as ingest needs it, looked up by flag key (the pack's name). */
export interface LiveRolloutEntry {
  readonly rollout: Rollout;
  /** What `extractSpanObservation` keeps: the attributes custom metrics read, the price table. */
  readonly extract: ExtractOptions;
  /** The telemetry this rollout reads, once decided (first source wins). Mutable: set by the sink on commit. */
  source: TelemetrySource | undefined;
}

/**
 * The live rollouts (`Progressing` or `Paused`) by pack name, rebuilt from the store when the change feed
 * announces a change (`refresh`), never queried per span.
 */
export class LiveRolloutIndex {
  readonly #rollouts: Pick<RolloutStore, 'listLive'>;
  readonly #slices: Pick<SliceStore, 'source'>;
  #byPack = new Map<string, LiveRolloutEntry>();
  #byId = new Map<string, LiveRolloutEntry>();

  constructor(rollouts: Pick<RolloutStore, 'listLive'>, slices: Pick<SliceStore, 'source'>) {
    this.#rollouts = rollouts;
    this.#slices = slices;
    this.refresh();
  }

  /** Rebuilds the index from the store (keeping the sources already decided). */
  refresh(): void {
    const next = new Map<string, LiveRolloutEntry>();
    const byId = new Map<string, LiveRolloutEntry>();
    for (const rollout of this.#rollouts.listLive()) {
      const previous = this.#byPack.get(rollout.pack);
      const source = previous?.rollout.id === rollout.id ? previous.source : this.#slices.source(rollout.id);
      const analysis = rollout.spec.analysis;
      const entry: LiveRolloutEntry = {
        rollout,
        extract: { metricAttributes: metricAttributesOf(analysis), costs: analysis.costs },
        source,
      };
      next.set(rollout.pack, entry);
      // Spans stamped with the companion key by another language's hook (which knows nothing of packs) count for
      // the pack too; our provider's hook stamps the pack's key itself.
      next.set(contentKeyOf(rollout.pack), entry);
      byId.set(rollout.id, entry);
    }
    this.#byPack = next;
    this.#byId = byId;
  }

  /** A live rollout by its id. */
  byRolloutId(id: string): LiveRolloutEntry | undefined {
    return this.#byId.get(id);
  }

  /** The live rollout of the pack whose name (or companion key `<pack>.content`) is `flagKey`. */
  get(flagKey: string): LiveRolloutEntry | undefined {
    return this.#byPack.get(flagKey);
  }
}

/** The arm a variant belongs to: the rollout's canary or stable version, else `undefined`. */
export function armOf(
  rollout: Pick<Rollout, 'canaryVersion' | 'stableVersion'>,
  variant: unknown,
): Arm | undefined {
  if (variant === rollout.canaryVersion) return 'canary';
  if (variant === rollout.stableVersion) return 'stable';
  return undefined;
}
