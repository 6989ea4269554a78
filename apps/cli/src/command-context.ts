import type { CanaryClient } from './api/canary-client.js';
import type { Terminal } from './terminal.js';

/** How results are printed: tables for people, the server's JSON for scripts. */
export type OutputFormat = 'table' | 'json';

/** What every command gets: the API client, the terminal, the output format and the clock. */
export interface CommandContext {
  readonly client: CanaryClient;
  readonly terminal: Terminal;
  readonly output: OutputFormat;
  readonly now: () => number;
  /** Reads a file given with `-f` (injected for tests). */
  readonly readFile: (path: string) => Promise<string>;
}

/** A command's misuse found after parsing (a bad value, a missing file): printed as `error: …`, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Prints a value as indented JSON, the `--output json` form of every command. */
export function printJson(terminal: Terminal, value: unknown): void {
  terminal.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints lines, each ended by a newline. */
export function printLines(terminal: Terminal, lines: readonly string[]): void {
  if (lines.length > 0) terminal.write(`${lines.join('\n')}\n`);
}

/** Reads the file given with `-f`; a file that cannot be read is a usage error (exit 2). */
export async function readFileArgument(ctx: CommandContext, path: string): Promise<string> {
  try {
    return await ctx.readFile(path);
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}
