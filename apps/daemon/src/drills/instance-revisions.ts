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
    const nowMs = this.#now();
    // Updated in place: this runs for every request span, so one lookup and no reordering.
    const previous = instances.get(instance);
    if (previous !== undefined) {
      if (value > previous.revision) previous.revision = value;
      previous.lastSeenMs = nowMs;
      return;
    }
    if (instances.size >= MAX_INSTANCES_PER_FLAG) evictLeastRecent(instances);
    instances.set(instance, { revision: value, lastSeenMs: nowMs });
  }

  /** The instances whose telemetry for `flagKey` arrived within `withinMs`,. */
  instances(flagKey: string, withinMs: number): InstanceRevision[] {
    const since = this.#now() - withinMs;
    const out: InstanceRevision[] = [];
    for (const [instance, seen] of this.#byFlag.get(flagKey) ?? []) {
      if (seen.lastSeenMs >= since) out.push({ instance, ...seen });
    }
    return out;
  }
}

/** Drops the instance seen longest ago (a full table is rare: one scan then is cheaper than ordering every update). */
function evictLeastRecent(instances: Map<string, { revision: number; lastSeenMs: number }>): void {
  let oldest: string | undefined;
  let oldestMs = Number.POSITIVE_INFINITY;
  for (const [instance, seen] of instances) {
    if (seen.lastSeenMs < oldestMs) {
      oldest = instance;
      oldestMs = seen.lastSeenMs;
    }
  }
  if (oldest !== undefined) instances.delete(oldest);
}
