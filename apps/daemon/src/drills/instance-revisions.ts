import type { InstanceObserver } from '../ingest/instance-observer.js';

/** One app instance as its telemetry shows it for one flag. */
export interface InstanceRevision {
  readonly instance: string;
  /** The highest config revision it evaluated the flag with (a number when the revision is numeric). */
  readonly revision: number;
  /** When its telemetry last arrived, epoch ms. */
  readonly lastSeenMs: number;
}

/** Instances kept per flag at most; the least recently seen goes first. */
export const MAX_INSTANCES_PER_FLAG = 10_000;

/**
 * Which config revision each app instance evaluated each flag with, from the spans' `feature_flag.version` and the
 * resource's `service.instance.id`, in memory and bounded (at most {@link MAX_INSTANCES_PER_FLAG} per flag). The
 * evidence that apps applied a pushed revision: a rollback drill waits on it. A daemon restart forgets it; the
 * next spans bring it back within seconds.
 */
export class InstanceRevisions implements InstanceObserver {
  readonly #now: () => number;
  readonly #byFlag = new Map<string, Map<string, { revision: number; lastSeenMs: number }>>();

  constructor(now: () => number) {
    this.#now = now;
  }

  seen(flagKey: string, instance: string, revision: string): void {
    const value = Number(revision);
    if (!Number.isFinite(value)) return;
    let instances = this.#byFlag.get(flagKey);
    if (instances === undefined) {
      instances = new Map();
      this.#byFlag.set(flagKey, instances);
    }
    const previous = instances.get(instance);
    // Re-inserted so the map stays ordered by last sighting, oldest first, for eviction.
    instances.delete(instance);
    instances.set(instance, {
      revision: Math.max(value, previous?.revision ?? Number.NEGATIVE_INFINITY),
      lastSeenMs: this.#now(),
    });
    if (instances.size > MAX_INSTANCES_PER_FLAG) {
      const oldest = instances.keys().next();
      if (oldest.done !== true) instances.delete(oldest.value);
    }
  }

  /** The instances whose telemetry for `flagKey` arrived within `withinMs`, most recently seen last. */
  instances(flagKey: string, withinMs: number): InstanceRevision[] {
    const since = this.#now() - withinMs;
    const out: InstanceRevision[] = [];
    for (const [instance, seen] of this.#byFlag.get(flagKey) ?? []) {
      if (seen.lastSeenMs >= since) out.push({ instance, ...seen });
    }
    return out;
  }
}
