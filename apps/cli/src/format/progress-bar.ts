/** Options of {@link renderProgressBar}. */
export interface ProgressBarOptions {
  /** The current weight, 0–100. */
  readonly weight: number;
  /** The weights of the ramp's steps, in order (their marks are drawn on the bar). */
  readonly steps: readonly number[];
  /** Cells inside the brackets. */
  readonly width?: number;
  /** Plain ASCII (`#`, `-`, `|`) for terminals and logs without Unicode blocks. */
  readonly ascii?: boolean;
}

/**
 * A bar of the weight on a 0–100 scale with a mark at each step's weight, so the ramp ahead is visible:
 * `[██████████░░░░│░░░░│░░░░]`.
 *
 * @example
 * renderProgressBar({ weight: 20, steps: [10, 20, 50, 100], width: 20 });
 */
export function renderProgressBar(options: ProgressBarOptions): string {
  const width = Math.max(4, options.width ?? 40);
  const [full, empty, mark] = options.ascii ? ['#', '-', '|'] : ['█', '░', '│'];
  const weight = Math.min(100, Math.max(0, options.weight));
  const filled = Math.round((weight / 100) * width);
  const marks = new Set(
    options.steps
      .filter((w) => w > 0 && w < 100)
      .map((w) => Math.min(width - 1, Math.round((w / 100) * width) - 1)),
  );
  let bar = '';
  for (let cell = 0; cell < width; cell++) {
    if (cell < filled) bar += full;
    else bar += marks.has(cell) ? mark : empty;
  }
  return `[${bar}]`;
}
