import { ArmAggregate } from './arm-aggregate.js';

/** One time slice of the current step, per arm (all traffic, split or not). */
export interface StepSlice {
  /** Slice start, epoch ms. */
  start: number;
  stable?: ArmAggregate;
  canary: ArmAggregate;
}

/** A window of merged slices, as a hard limit judges it. */
export interface WidenedWindow {
  stable: ArmAggregate;
  canary: ArmAggregate;
  from: number;
  to: number;
  /** Slices merged beyond the last interval to reach the minimum samples. */
  widened: boolean;
}

/**
 * The hard limits' windows: first the last interval (the slices starting within `intervalMs` before `nowMs`, at
 * least the newest), then, one older slice of the step at a time, wider ones back to the step's start. The caller
 * stops when a window holds its minimum samples. Every yielded window is the same object, widened in place: read
 * it before asking for the next. Pure.
 */
export function* widenWindow(
  slices: readonly StepSlice[],
  intervalMs: number,
  nowMs: number,
): Generator<WidenedWindow> {
  const last = slices.length - 1;
  if (last < 0) return;
  let i = last;
  const lastFrom = nowMs - intervalMs;
  // The last interval: every slice that starts within it (and at least the newest slice).
  while (i > 0 && (slices[i - 1]?.start ?? Number.NEGATIVE_INFINITY) >= lastFrom) i--;
  const first = slices[i];
  if (first === undefined) return;
  const window: WidenedWindow = {
    stable: first.stable?.clone() ?? new ArmAggregate(),
    canary: first.canary.clone(),
    from: first.start,
    to: nowMs,
    widened: false,
  };
  for (let k = i + 1; k <= last; k++) addSlice(window, slices[k]);
  yield window;
  for (let k = i - 1; k >= 0; k--) {
    const slice = slices[k];
    if (slice === undefined) continue;
    addSlice(window, slice);
    window.from = slice.start;
    window.widened = true;
    yield window;
  }
}

function addSlice(window: WidenedWindow, slice: StepSlice | undefined): void {
  if (slice === undefined) return;
  window.canary.absorb(slice.canary);
  if (slice.stable !== undefined) window.stable.absorb(slice.stable);
}
