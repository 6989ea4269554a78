import { ApiFailure } from '../api/api-failure.js';
import { type CommandContext, printJson, printLines } from '../command-context.js';

/**
 * `canary delete pack NAME [--force]`: deletes the pack with its flag, rollouts and history (the audit log keeps
 * the record). A pack with a live rollout needs `--force`; without it the daemon's 409 is printed (exit 1).
 */
export async function deletePackCommand(
  ctx: CommandContext,
  name: string,
  options: { force: boolean },
): Promise<number> {
  try {
    await ctx.client.deletePack(name, options);
  } catch (error) {
    // The daemon's message names its query parameter; here the way to force it is the flag.
    if (error instanceof ApiFailure && error.code === 'rollout_in_progress') {
      throw new ApiFailure(error.code, error.message.replace('?force=true', '--force'), error.status);
    }
    throw error;
  }
  if (ctx.output === 'json') printJson(ctx.terminal, { pack: name, deleted: true });
  else printLines(ctx.terminal, [`${ctx.terminal.colors.green('✔')} pack ${name} deleted`]);
  return 0;
}
