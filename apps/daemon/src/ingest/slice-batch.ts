import { ArmAggregate, sliceStart, UnitExposures } from '@prompt-canary/analysis';
import { effectiveWeight } from '../rollouts/effective-weight.js';
import type { Rollout } from '../rollouts/rollout-state.js';
import { type Arm, type SliceKey, type SliceScope, sliceKeyId, type TelemetrySource } from './slice-key.js';
import type { ExposureUpdate, SliceUpdate } from './slice-store.js';

/** Most units one slice's exposures keep before their hash sample halves (the rollout's merge keeps the rest). */
export const EXPOSURES_PER_SLICE = 1024;

/** The partial aggregates of one request, by slice, committed together (`SliceStore.commit`). */
export class SliceBatch {
  readonly #sliceMs: number;
  readonly #partials = new Map<string, SliceUpdate>();
  readonly #exposures = new Map<string, ExposureUpdate>();
  #last: SliceUpdate | undefined;
  #lastExposure: ExposureUpdate | undefined;
  readonly #shares = new Map<string, { start: number; share: number }>();
  /** Telemetry sources decided by this request, by rollout id. */
  readonly sources = new Map<string, TelemetrySource>();

  constructor(sliceMs: number) {
    this.#sliceMs = sliceMs;
  }

  /** The partial aggregate of the slice holding `timeMs` (created empty on first use). */
  at(rolloutId: string, arm: Arm, scope: SliceScope, timeMs: number): ArmAggregate {
    const start = sliceStart(timeMs, this.#sliceMs);
    // Most spans of a request fall in the slice of the span before them: skip building the map key then.
    const last = this.#last;
    if (
      last !== undefined &&
      last.key.sliceStart === start &&
      last.key.arm === arm &&
      last.key.scope === scope &&
      last.key.rolloutId === rolloutId
    ) {
      return last.partial;
    }
    const key: SliceKey = { rolloutId, arm, scope, sliceStart: start };
    const id = sliceKeyId(key);
    let update = this.#partials.get(id);
    if (update === undefined) {
      update = { key, partial: new ArmAggregate() };
      this.#partials.set(id, update);
    }
    this.#last = update;
    return update.partial;
  }

  /**
   * Records a split-assigned unit's exposure to `arm` at `timeMs`, while the split served the canary
   * `expectedShare` (0..1), in the slice holding `timeMs`.
   */
  expose(rolloutId: string, unit: string, arm: Arm, expectedShare: number, timeMs: number): void {
    const start = sliceStart(timeMs, this.#sliceMs);
    let update = this.#lastExposure;
    if (update === undefined || update.sliceStart !== start || update.rolloutId !== rolloutId) {
      const id = `${rolloutId}\u0000${start}`;
      update = this.#exposures.get(id);
      if (update === undefined) {
        update = { rolloutId, sliceStart: start, partial: new UnitExposures(EXPOSURES_PER_SLICE) };
        this.#exposures.set(id, update);
      }
      this.#lastExposure = update;
    }
    update.partial.add(unit, arm, expectedShare, timeMs);
  }

  /**
   * The canary share (0..1) the split served at `timeMs`, read once per slice: schedule windows open and close on
   * whole minutes, so a slice that divides a minute (the default 10 s) never straddles a change, and the span loop
   * does not evaluate windows per span.
   */
  shareAt(rollout: Rollout, timeMs: number): number {
    const start = sliceStart(timeMs, this.#sliceMs);
    const known = this.#shares.get(rollout.id);
    if (known !== undefined && known.start === start) return known.share;
    const share = effectiveWeight(rollout, start) / 100;
    this.#shares.set(rollout.id, { start, share });
    return share;
  }

  /** The unit exposures to commit. */
  exposures(): ExposureUpdate[] {
    return [...this.#exposures.values()];
  }

  /** Adds everything `other` holds (another request's batch) to this one. */
  absorb(other: SliceBatch): void {
    for (const [id, update] of other.#partials) {
      const mine = this.#partials.get(id);
      if (mine === undefined) this.#partials.set(id, update);
      else mine.partial.absorb(update.partial);
    }
    for (const [id, update] of other.#exposures) {
      const mine = this.#exposures.get(id);
      if (mine === undefined) this.#exposures.set(id, update);
      else mine.partial.absorb(update.partial);
    }
    for (const [rolloutId, source] of other.sources)
      if (!this.sources.has(rolloutId)) this.sources.set(rolloutId, source);
    this.#last = undefined;
    this.#lastExposure = undefined;
  }

  /** What to commit. */
  updates(): SliceUpdate[] {
    return [...this.#partials.values()];
  }

  /** Whether anything was added. */
  get empty(): boolean {
    return this.#partials.size === 0 && this.sources.size === 0 && this.#exposures.size === 0;
  }
}
