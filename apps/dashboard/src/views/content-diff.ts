import { type VersionContent, versionContentText } from '@prompt-canary/api-types';
import { structuredPatch } from 'diff';

/** One line of a content diff: context, removed from the old version, added by the new one, or a hunk header. */
export interface DiffLine {
  readonly kind: 'context' | 'removed' | 'added' | 'hunk';
  readonly text: string;
}

/**
 * The unified diff of two versions' content (prompts, model parameters, attributes), as `canary diff` prints it:
 * the same text on both sides, three lines of context. Empty when the content is the same.
 *
 * @example
 * contentDiffLines(stableBundle, canaryBundle); // [{ kind: 'hunk', text: '@@ -1,2 +1,2 @@' }, …]
 */
export function contentDiffLines(from: VersionContent | null, to: VersionContent | null): DiffLine[] {
  const before = versionContentText(from);
  const after = versionContentText(to);
  if (before === after) return [];
  const patch = structuredPatch('from', 'to', before, after, '', '', { context: 3 });
  const lines: DiffLine[] = [];
  for (const hunk of patch.hunks) {
    lines.push({
      kind: 'hunk',
      text: `@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`,
    });
    for (const line of hunk.lines) {
      if (line.startsWith('+')) lines.push({ kind: 'added', text: line });
      else if (line.startsWith('-')) lines.push({ kind: 'removed', text: line });
      else if (!line.startsWith('\\')) lines.push({ kind: 'context', text: line });
    }
  }
  return lines;
}
