import { type CommandContext, printJson } from '../command-context.js';

/** `canary export flagd`: every flag as one flagd flag-definition file, on standard output. */
export async function exportFlagdCommand(ctx: CommandContext): Promise<number> {
  printJson(ctx.terminal, await ctx.client.exportFlagd());
  return 0;
}
