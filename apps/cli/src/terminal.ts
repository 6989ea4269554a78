import pc from 'picocolors';

/** The colour functions the CLI uses (picocolors' shape), plain when colour is off. */
export type Colors = ReturnType<typeof pc.createColors>;

/** Where the CLI writes and what it knows about the screen; tests pass a fake. */
export interface Terminal {
  write(text: string): void;
  error(text: string): void;
  /** Standard output is a terminal: redraw in place and colour. */
  readonly isTTY: boolean;
  readonly colors: Colors;
  /** Columns of the screen, when known. */
  readonly columns?: number | undefined;
}

/**
 * Colour is on for a terminal unless `NO_COLOR` is set (to anything non-empty, as no-color.org asks);
 * `FORCE_COLOR` turns it on anyway.
 */
export function colorEnabled(isTTY: boolean, env: Readonly<Record<string, string | undefined>>): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true;
  return isTTY;
}

/** The process's own terminal. */
export function processTerminal(env: Readonly<Record<string, string | undefined>> = process.env): Terminal {
  const isTTY = process.stdout.isTTY === true;
  return {
    write: (text) => process.stdout.write(text),
    error: (text) => process.stderr.write(text),
    isTTY,
    colors: pc.createColors(colorEnabled(isTTY, env)),
    columns: process.stdout.columns,
  };
}
