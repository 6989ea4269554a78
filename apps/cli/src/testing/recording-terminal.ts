import pc from 'picocolors';
import type { Terminal } from '../terminal.js';

/** A terminal that records what is written, for tests; colours off unless asked. */
export interface RecordingTerminal extends Terminal {
  readonly out: () => string;
  readonly err: () => string;
}

/** A {@link RecordingTerminal}. */
export function recordingTerminal(options: { isTTY?: boolean; color?: boolean } = {}): RecordingTerminal {
  let out = '';
  let err = '';
  return {
    write: (text) => {
      out += text;
    },
    error: (text) => {
      err += text;
    },
    isTTY: options.isTTY ?? false,
    colors: pc.createColors(options.color ?? false),
    out: () => out,
    err: () => err,
  };
}
