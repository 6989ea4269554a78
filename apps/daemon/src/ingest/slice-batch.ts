import { ArmAggregate, sliceStart } from '@prompt-canary/analysis';
import { type Arm, type SliceKey, type SliceScope, sliceKeyId, type TelemetrySource } from './slice-key.js';
import type { SliceUpdate } from './slice-store.js';

/** The partial aggregates of one request, by slice, committed together (`SliceStore.commit`). */
export class SliceBatch {
  readonly #sliceMs: number;
  readonly #partials = new Map<string, SliceUpdate>();
  /** Telemetry sources decided by this request, by rollout id. */
  readonly sources = new Map<string, TelemetrySource>();

  constructor(sliceMs: number) {
    this.#sliceMs = sliceMs;
  }

  /** The partial aggregate of the slice holding `timeMs` (created empty on first use). */
  at(rolloutId: string, arm: Arm, scope: SliceScope, timeMs: number): ArmAggregate {
    const key: SliceKey = { rolloutId, arm, scope, sliceStart: sliceStart(timeMs, this.#sliceMs) };
    const id = sliceKeyId(key);
    let update = this.#partials.get(id);
    if (update === undefined) {
      update = { key, partial: new ArmAggregate() };
      this.#partials.set(id, update);
    }
    return update.partial;
  }

  /** What to commit. */
  updates(): SliceUpdate[] {
    return [...this.#partials.values()];
  }

  /** Whether anything was added. */
  get empty(): boolean {
    return this.#partials.size === 0 && this.sources.size === 0;
  }
}
