import type { SegmentView } from '@prompt-canary/api-types';
import { parse } from 'yaml';
import {
  type CommandContext,
  printJson,
  printLines,
  readFileArgument,
  UsageError,
} from '../command-context.js';
import { renderTable } from '../format/text-table.js';
import { formatAge } from '../format/units.js';

/**
 * Reads a segment file: a YAML or JSON map of segment names to `{match}` (`examples/segment-definitions.yaml`).
 * Only the file's shape is checked here; the daemon validates each `match` and answers with the field's path.
 */
export function parseSegmentFile(text: string, file: string): Array<{ name: string; match: unknown }> {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not YAML or JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || Object.keys(raw).length === 0) {
    throw new UsageError(
      `${file} should map segment names to {match: {...}}, e.g. "beta_users: {match: {beta: true}}"`,
    );
  }
  return Object.entries(raw as Record<string, unknown>).map(([name, body]) => {
    const keys = body !== null && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body) : [];
    if (keys.length !== 1 || keys[0] !== 'match') {
      throw new UsageError(`${file}: segment ${name} should be {match: {...}} and nothing else`);
    }
    return { name, match: (body as { match: unknown }).match };
  });
}

/** `canary segments apply -f FILE`: creates or replaces every segment the file defines, in file order. */
export async function applySegmentsCommand(ctx: CommandContext, file: string): Promise<number> {
  const segments = parseSegmentFile(await readFileArgument(ctx, file), file);
  const written: SegmentView[] = [];
  const lines: string[] = [];
  for (const { name, match } of segments) {
    const { segment, created } = await ctx.client.putSegment(name, match);
    written.push(segment);
    lines.push(`${ctx.terminal.colors.green('✔')} segment ${name} ${created ? 'created' : 'updated'}`);
  }
  if (ctx.output === 'json') printJson(ctx.terminal, written);
  else printLines(ctx.terminal, lines);
  return 0;
}

/** `canary segments get [NAME]`: every segment, or one, with its match. */
export async function getSegmentsCommand(ctx: CommandContext, name: string | undefined): Promise<number> {
  const segments = name === undefined ? await ctx.client.listSegments() : [await ctx.client.getSegment(name)];
  if (ctx.output === 'json') {
    printJson(ctx.terminal, name === undefined ? segments : segments[0]);
    return 0;
  }
  const { colors } = ctx.terminal;
  if (segments.length === 0) {
    printLines(ctx.terminal, [colors.dim('No segments.')]);
    return 0;
  }
  const now = ctx.now();
  printLines(
    ctx.terminal,
    renderTable(
      [{ header: 'NAME' }, { header: 'MATCH' }, { header: 'UPDATED' }],
      segments.map((s) => [s.name, JSON.stringify(s.match), formatAge(s.updatedAt, now)]),
      { header: colors.bold },
    ),
  );
  return 0;
}

/** `canary segments delete NAME`. */
export async function deleteSegmentCommand(ctx: CommandContext, name: string): Promise<number> {
  await ctx.client.deleteSegment(name);
  if (ctx.output === 'json') printJson(ctx.terminal, { name, deleted: true });
  else printLines(ctx.terminal, [`${ctx.terminal.colors.green('✔')} segment ${name} deleted`]);
  return 0;
}
