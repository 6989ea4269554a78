import { type VersionBundleView, versionContentText } from '@prompt-canary/api-types';
import { structuredPatch } from 'diff';
import type { Colors } from '../terminal.js';

/** A diff of two versions' content: whether they differ and the lines to print. */
export interface ContentDiff {
  readonly changed: boolean;
  readonly lines: readonly string[];
}

/** A version's content as text to diff (shared with the dashboard). */
export const contentText = versionContentText;

/**
 * A unified diff of two versions' prompts, model and attributes: removed lines red, added green, hunk headers
 * cyan. `from` is `null` when there is nothing to compare with (every line is added).
 *
 * @example
 * renderContentDiff(stable, canary, { fromLabel: 'support-prompts 2.3.1', toLabel: 'support-prompts 2.4.0', colors });
 */
export function renderContentDiff(
  from: Omit<VersionBundleView, 'version'> | null,
  to: Omit<VersionBundleView, 'version'> | null,
  options: { readonly fromLabel: string; readonly toLabel: string; readonly colors: Colors },
): ContentDiff {
  const before = contentText(from);
  const after = contentText(to);
  if (before === after) return { changed: false, lines: [] };
  const { colors } = options;
  const patch = structuredPatch(options.fromLabel, options.toLabel, before, after, '', '', { context: 3 });
  const lines = [colors.red(`--- ${options.fromLabel}`), colors.green(`+++ ${options.toLabel}`)];
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

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The content a pack file gives its version, normalised as the daemon does (`system: "…"` is `{text: "…"}`), or
 * `null` when the file has none. Prompt files must already be read ({@link inlinePromptFiles}).
 */
export function fileContent(document: unknown): Omit<VersionBundleView, 'version'> | null {
  if (!isObject(document) || !isObject(document.spec)) return null;
  const { prompts, model, attributes } = document.spec;
  if (prompts === undefined && model === undefined && attributes === undefined) return null;
  const normalised: Record<string, { text: string; role?: string }> = {};
  if (isObject(prompts)) {
    for (const [name, prompt] of Object.entries(prompts)) {
      if (typeof prompt === 'string') normalised[name] = { text: prompt };
      else if (isObject(prompt)) {
        normalised[name] = {
          text: typeof prompt.text === 'string' ? prompt.text : '',
          ...(typeof prompt.role === 'string' ? { role: prompt.role } : {}),
        };
      }
    }
  }
  return {
    prompts: normalised,
    model: isObject(model) ? (model as unknown as VersionBundleView['model']) : null,
    attributes: isObject(attributes) ? attributes : {},
  };
}
