/**
 * Start of the time slice holding `timeMs` (epoch ms) for slices of `sliceMs`: spans belong to the slice of their
 * end time.
 */
export function sliceStart(timeMs: number, sliceMs: number): number {
  if (!(sliceMs > 0)) throw new Error(`sliceMs must be positive, got ${sliceMs}`);
  return Math.floor(timeMs / sliceMs) * sliceMs;
}
