import type { RolloutAction } from '@prompt-canary/api-types';
import { type CommandContext, printJson } from '../command-context.js';
import { formatPhase, formatStep } from '../format/status-view.js';
import { formatWeight } from '../format/units.js';
import { liveRolloutOf } from './pack-rollout.js';

/** Options of the rollout actions. */
export interface ActionOptions {
  readonly reason?: string | undefined;
  /** `promote --full`: complete now. */
  readonly full?: boolean | undefined;
}

const PAST: Readonly<Record<RolloutAction, string>> = {
  pause: 'paused',
  resume: 'resumed',
  promote: 'promoted',
  rollback: 'rolled back',
};

/**
 * `canary pause|resume|promote|rollback PACK [--reason TEXT] [--full]`: acts on the pack's live rollout and
 * prints where it is now. Without a live rollout: `rollout_not_active`, as the server says of ended ones.
 */
export async function actionCommand(
  ctx: CommandContext,
  action: RolloutAction,
  name: string,
  options: ActionOptions,
): Promise<number> {
  const live = await liveRolloutOf(ctx.client, name);
  const after = await ctx.client.act(live.id, action, {
    ...(options.reason !== undefined ? { reason: options.reason } : {}),
    ...(options.full ? { full: true } : {}),
  });
  if (ctx.output === 'json') {
    printJson(ctx.terminal, after);
    return 0;
  }
  const { colors } = ctx.terminal;
  const verb = action === 'promote' && options.full ? 'promoted to 100%' : PAST[action];
  ctx.terminal.write(
    `${colors.green('✔')} ${name}: rollout ${after.id} ${verb}: ${formatPhase(after.phase, colors)}${
      after.reason ? ` ${after.reason}` : ''
    }, step ${formatStep(after)}, weight ${formatWeight(after.weight)}\n`,
  );
  return 0;
}
