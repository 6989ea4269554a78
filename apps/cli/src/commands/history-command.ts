import type { AuditEntry } from '@prompt-canary/api-types';
import { type CommandContext, printJson, printLines } from '../command-context.js';
import { renderTable } from '../format/text-table.js';
import { formatTime } from '../format/units.js';
import type { Colors } from '../terminal.js';

/** What changed in an audit entry, in a few words: `Paused 20%`, `version 2.5.0`. */
function change(item: AuditEntry): string {
  const after = (item.after ?? {}) as {
    phase?: unknown;
    weight?: unknown;
    version?: unknown;
    spec?: { version?: unknown };
  };
  if (typeof after.phase === 'string') {
    return typeof after.weight === 'number' ? `${after.phase} ${after.weight}%` : after.phase;
  }
  const version = after.spec?.version ?? after.version;
  return version === undefined ? '' : `version ${String(version)}`;
}

/** The rows of the audit table: time, actor, action, change, reason. */
export function renderAudit(items: readonly AuditEntry[], colors: Colors): string[] {
  return renderTable(
    [
      { header: 'TIME' },
      { header: 'ACTOR' },
      { header: 'ACTION' },
      { header: 'CHANGE' },
      { header: 'REASON' },
    ],
    items.map((item) => [
      formatTime(item.at),
      item.actor,
      item.action,
      change(item),
      item.reason ?? colors.dim('—'),
    ]),
    { header: colors.bold },
  );
}

/** `canary history PACK [--limit N]`: the pack's audit log, newest first, with each reason. */
export async function historyCommand(ctx: CommandContext, name: string, limit: number): Promise<number> {
  const page = await ctx.client.audit({ pack: name, limit });
  if (ctx.output === 'json') {
    printJson(ctx.terminal, page);
    return 0;
  }
  const { colors } = ctx.terminal;
  if (page.items.length === 0) {
    printLines(ctx.terminal, [colors.dim(`No audit entries for ${name}.`)]);
    return 0;
  }
  printLines(ctx.terminal, renderAudit(page.items, colors));
  return 0;
}
