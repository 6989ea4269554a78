import type { FlagSet } from '@prompt-canary/rules';
import type { AssignmentObserver, ServedAssignment } from '../ingest/assignment-observer.js';
import { expectedVariant } from './expected-variant.js';

/** An app instance whose split-assigned requests were served other than assigned. */
export interface MismatchedInstance {
  readonly instance: string;
  /** Split-assigned requests checked in the window. */
  readonly checked: number;
  /** Of those, served a variant other than the split's at their revision. */
  readonly mismatched: number;
  readonly rate: number;
}

/** An app instance evaluating with a config revision well behind the current one. */
export interface LaggingInstance {
  readonly instance: string;
  /** The newest revision it evaluated with. */
  readonly revision: number;
  /** How many revisions behind the current one. */
  readonly behind: number;
}

/** The served-versus-assigned verdict of a flag: `Fail` when an instance serves other than the split assigns. */
export interface AssignmentVerdict {
  readonly result: 'Pass' | 'Fail' | 'n/a';
  readonly reason: string;
  readonly mismatched: readonly MismatchedInstance[];
  readonly lagging: readonly LaggingInstance[];
}

/** Bounds of {@link AssignmentAudit}. */
export interface AssignmentAuditOptions {
  /** Wall-clock now, epoch ms. */
  readonly now: () => number;
  /** The config revision served now. */
  readonly currentRevision: () => number;
  /** How far back requests count (default 10 minutes). */
  readonly windowMs?: number;
  /** Requests an instance needs in the window before it is judged (default 20). */
  readonly minChecked?: number;
  /** The mismatch rate above which an instance fails (default 5%). */
  readonly maxRate?: number;
  /** Revisions an instance may lag before it is reported (default 5). */
  readonly maxLag?: number;
  /** Config revisions remembered to check against (default 256). */
  readonly revisions?: number;
}

const MINUTE = 60_000;
/** Instances tracked per flag at most; the least recently seen goes first. */
const MAX_INSTANCES = 10_000;

interface InstanceTally {
  revision: number;
  /** Per minute of arrival: [checked, mismatched]. */
  readonly minutes: Map<number, [number, number]>;
}

/**
 * Served versus assigned. Remembers the flags of the last config revisions (from the config stream's snapshots);
 * for each split-assigned request span (reason `SPLIT`, with `promptcanary.bucket` and `feature_flag.version`) it
 * recomputes the variant the split assigned that bucket at that revision and time, and counts, per app instance
 * (`service.instance.id`) and minute, the requests checked and those served otherwise. An app that serves a
 * hard-coded or stale version, or a second evaluation path that ignores the provider, shows up as a mismatch; an
 * instance evaluating with a revision more than `maxLag` behind shows up as lagging. In memory and bounded: a
 * restart starts the counts afresh.
 */
export class AssignmentAudit implements AssignmentObserver {
  readonly #options: Required<Omit<AssignmentAuditOptions, 'now' | 'currentRevision'>> &
    Pick<AssignmentAuditOptions, 'now' | 'currentRevision'>;
  readonly #flags = new Map<number, FlagSet>();
  readonly #byFlag = new Map<string, Map<string, InstanceTally>>();

  constructor(options: AssignmentAuditOptions) {
    this.#options = {
      windowMs: 10 * MINUTE,
      minChecked: 20,
      maxRate: 0.05,
      maxLag: 5,
      revisions: 256,
      ...options,
    };
  }

  /** Remembers a revision's flags (the config service's snapshots). */
  remember(revision: number, flags: FlagSet): void {
    this.#flags.set(revision, flags);
    if (this.#flags.size > this.#options.revisions) {
      const oldest = this.#flags.keys().next();
      if (oldest.done !== true) this.#flags.delete(oldest.value);
    }
  }

  served(assignment: ServedAssignment): void {
    const flags = this.#flags.get(assignment.revision);
    const flag = flags?.[assignment.flagKey];
    // A revision from before this daemon started (or long gone) cannot be checked: not counted either way.
    if (flag === undefined) return;
    const expected = expectedVariant(flag, assignment.bucket, assignment.startMs);
    if (expected === undefined) return;
    let instances = this.#byFlag.get(assignment.flagKey);
    if (instances === undefined) {
      instances = new Map();
      this.#byFlag.set(assignment.flagKey, instances);
    }
    let tally = instances.get(assignment.instance);
    if (tally === undefined) {
      tally = { revision: assignment.revision, minutes: new Map() };
      if (instances.size >= MAX_INSTANCES) {
        const oldest = instances.keys().next();
        if (oldest.done !== true) instances.delete(oldest.value);
      }
      instances.set(assignment.instance, tally);
    }
    tally.revision = Math.max(tally.revision, assignment.revision);
    const minute = Math.floor(this.#options.now() / MINUTE) * MINUTE;
    let counts = tally.minutes.get(minute);
    if (counts === undefined) {
      counts = [0, 0];
      tally.minutes.set(minute, counts);
      for (const old of tally.minutes.keys()) {
        if (old < minute - this.#options.windowMs) tally.minutes.delete(old);
      }
    }
    counts[0]++;
    if (expected !== assignment.variant) counts[1]++;
  }

  /** The verdict for `flagKey` over requests that arrived since `sinceMs` (and within the window). */
  verdict(flagKey: string, sinceMs: number): AssignmentVerdict {
    const { now, currentRevision, windowMs, minChecked, maxRate, maxLag } = this.#options;
    const from = Math.max(sinceMs - MINUTE, now() - windowMs);
    const current = currentRevision();
    const mismatched: MismatchedInstance[] = [];
    const lagging: LaggingInstance[] = [];
    let judged = 0;
    for (const [instance, tally] of this.#byFlag.get(flagKey) ?? []) {
      let checked = 0;
      let wrong = 0;
      for (const [minute, [n, bad]] of tally.minutes) {
        if (minute + MINUTE <= from) continue;
        checked += n;
        wrong += bad;
      }
      if (checked === 0) continue;
      if (current - tally.revision > maxLag) {
        lagging.push({ instance, revision: tally.revision, behind: current - tally.revision });
      }
      if (checked < minChecked) continue;
      judged++;
      if (wrong / checked > maxRate)
        mismatched.push({ instance, checked, mismatched: wrong, rate: wrong / checked });
    }
    const lag = lagging.map(
      (l) => `app instance ${l.instance} evaluates ${l.behind} revisions behind (revision ${l.revision})`,
    );
    if (mismatched.length > 0) {
      const named = mismatched
        .map(
          (m) =>
            `${m.instance} served ${(m.rate * 100).toFixed(1)}% of ${m.checked} split-assigned requests a variant other than assigned`,
        )
        .join('; ');
      return { result: 'Fail', reason: `assignment mismatch: app instance ${named}`, mismatched, lagging };
    }
    if (judged === 0) {
      return {
        result: 'n/a',
        reason: lag.join('; ') || 'no app instance with enough split-assigned requests to check',
        mismatched,
        lagging,
      };
    }
    const ok = `${judged} app instance${judged === 1 ? '' : 's'} serve${judged === 1 ? 's' : ''} what the split assigns`;
    return {
      result: 'Pass',
      reason: lag.length === 0 ? ok : `${ok}; ${lag.join('; ')}`,
      mismatched,
      lagging,
    };
  }
}
