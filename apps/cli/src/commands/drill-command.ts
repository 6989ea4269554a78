import { DRILL_MAX_AGE_MS, type DrillReportView, type LastDrill } from '@prompt-canary/api-types';
import { type CommandContext, printJson, printLines } from '../command-context.js';
import { renderTable } from '../format/text-table.js';
import { formatAge } from '../format/units.js';
import type { Colors } from '../terminal.js';

/** The drill's steps as a table: step, held or not, when, what happened. */
export function renderDrill(report: DrillReportView, colors: Colors): string[] {
  const rows = report.steps.map((step) => [
    step.name,
    step.ok ? colors.green('✔ ok') : colors.red('✖ failed'),
    `${(step.ms / 1000).toFixed(1)} s`,
    step.detail,
  ]);
  const table = renderTable(
    [{ header: 'STEP' }, { header: 'RESULT' }, { header: 'AFTER' }, { header: 'DETAIL' }],
    rows,
    { header: colors.bold },
  );
  const verdict = report.ok
    ? colors.green('The rollback path works: every step held.')
    : colors.red(
        `The rollback path did not hold: ${report.steps
          .filter((s) => !s.ok)
          .map((s) => s.name)
          .join(', ')}.`,
      );
  return [...table, '', verdict];
}

/** A warning line when a pack's last drill is more than 30 days old; `null` otherwise (and when never drilled). */
export function drillWarning(
  pack: string,
  lastDrill: LastDrill | null | undefined,
  nowMs: number,
): string | null {
  if (lastDrill === undefined || lastDrill === null) return null;
  if (nowMs - Date.parse(lastDrill.at) <= DRILL_MAX_AGE_MS) return null;
  return `warning: ${pack}'s last rollback drill was ${formatAge(lastDrill.at, nowMs)}, more than 30 days ago (canary drill ${pack})`;
}

/**
 * `canary drill PACK [--timeout 30s]`: runs a rollback drill and prints each step; exit 0 only when every step held
 * (1 otherwise, and for server or network errors).
 */
export async function drillCommand(
  ctx: CommandContext,
  pack: string,
  options: { timeoutMs: number; reason?: string | undefined },
): Promise<number> {
  const report = await ctx.client.drill(pack, {
    timeout: `${options.timeoutMs}ms`,
    ...(options.reason === undefined ? {} : { reason: options.reason }),
  });
  if (ctx.output === 'json') printJson(ctx.terminal, report);
  else printLines(ctx.terminal, renderDrill(report, ctx.terminal.colors));
  return report.ok ? 0 : 1;
}
