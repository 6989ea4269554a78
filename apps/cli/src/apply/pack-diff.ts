import { structuredPatch } from 'diff';
import { stringify } from 'yaml';
import type { Colors } from '../terminal.js';

/** A diff of two pack documents: whether they differ and the lines to print. */
export interface PackDiff {
  readonly changed: boolean;
  readonly lines: readonly string[];
}

/**
 * A unified diff of the live pack against the file, both as YAML: removed lines red, added green, hunk headers
 * cyan, context plain. `live` is `null` for a pack that does not exist yet (every line is added).
 *
 * @example
 * renderPackDiff(liveDoc, fileDoc, { liveLabel: 'live (revision 3)', fileLabel: 'pack.yaml', colors });
 */
export function renderPackDiff(
  live: unknown,
  file: unknown,
  options: {
    readonly liveLabel: string;
    readonly fileLabel: string;
    readonly colors: Colors;
    readonly context?: number;
  },
): PackDiff {
  const before = live === null ? '' : stringify(live, { lineWidth: 0 });
  const after = stringify(file, { lineWidth: 0 });
  if (before === after) return { changed: false, lines: [] };
  const { colors } = options;
  const patch = structuredPatch(options.liveLabel, options.fileLabel, before, after, '', '', {
    context: options.context ?? 3,
  });
  const lines = [colors.red(`--- ${options.liveLabel}`), colors.green(`+++ ${options.fileLabel}`)];
  for (const hunk of patch.hunks) {
    lines.push(colors.cyan(`@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`));
    for (const line of hunk.lines) {
      if (line.startsWith('+')) lines.push(colors.green(line));
      else if (line.startsWith('-')) lines.push(colors.red(line));
      else if (!line.startsWith('\\')) lines.push(line);
    }
  }
  return { changed: true, lines };
}
