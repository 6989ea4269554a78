import type { RolloutPhase } from '@prompt-canary/api-types';
import { stageText, strategyName, strategyOf } from '@prompt-canary/api-types';
import { type CommandContext, printJson, printLines } from '../command-context.js';
import { formatPhase } from '../format/status-view.js';
import { renderTable } from '../format/text-table.js';
import { formatAge, formatWeight } from '../format/units.js';

/** `canary get packs`: name, stable version, live rollout, revision, last change. */
export async function getPacksCommand(ctx: CommandContext): Promise<number> {
  const packs = await ctx.client.listPacks();
  if (ctx.output === 'json') {
    printJson(ctx.terminal, packs);
    return 0;
  }
  const { colors } = ctx.terminal;
  if (packs.length === 0) {
    printLines(ctx.terminal, [colors.dim('No packs.')]);
    return 0;
  }
  const now = ctx.now();
  printLines(
    ctx.terminal,
    renderTable(
      [
        { header: 'NAME' },
        { header: 'STABLE' },
        { header: 'APPLIED' },
        { header: 'LIVE ROLLOUT' },
        { header: 'REVISION', align: 'right' },
        { header: 'UPDATED' },
      ],
      packs.map((pack) => [
        pack.name,
        pack.stableVersion,
        String(pack.spec.version),
        pack.liveRollout ?? colors.dim('—'),
        String(pack.revision),
        formatAge(pack.updatedAt, now),
      ]),
      { header: colors.bold },
    ),
  );
  return 0;
}

/**
 * `canary get rollouts [--pack P] [--phase PHASE]`: newest first, with phase, strategy, step (a blue-green switch's
 * stage), weights and reason.
 */
export async function getRolloutsCommand(
  ctx: CommandContext,
  filter: { pack?: string; phase?: RolloutPhase },
): Promise<number> {
  const rollouts = await ctx.client.listRollouts(filter);
  if (ctx.output === 'json') {
    printJson(ctx.terminal, rollouts);
    return 0;
  }
  const { colors } = ctx.terminal;
  if (rollouts.length === 0) {
    printLines(ctx.terminal, [colors.dim('No rollouts.')]);
    return 0;
  }
  const now = ctx.now();
  printLines(
    ctx.terminal,
    renderTable(
      [
        { header: 'ID' },
        { header: 'PACK' },
        { header: 'PHASE' },
        { header: 'STRATEGY' },
        { header: 'STEP', align: 'right' },
        { header: 'WEIGHT', align: 'right' },
        { header: 'STABLE → CANARY' },
        { header: 'AGE' },
        { header: 'REASON' },
      ],
      rollouts.map((r) => [
        r.id,
        r.pack,
        formatPhase(r.phase, colors),
        strategyName(strategyOf(r)),
        strategyOf(r) === 'blueGreen' ? stageText(r) : r.segment ? r.segment : `${r.step}/${r.steps ?? '?'}`,
        r.effectiveWeight === r.weight
          ? formatWeight(r.weight)
          : `${formatWeight(r.weight)} (${formatWeight(r.effectiveWeight)})`,
        `${r.stableVersion} → ${r.canaryVersion}`,
        formatAge(r.startedAt, now).replace(' ago', ''),
        r.reason,
      ]),
      { header: colors.bold },
    ),
  );
  return 0;
}
