import type { Scope } from '@prompt-canary/api-types';
import { type CommandContext, printJson, printLines } from '../command-context.js';
import { renderTable } from '../format/text-table.js';
import { formatAge } from '../format/units.js';

/** `canary tokens create NAME --scopes a,b`: prints the secret, which the daemon shows this once only. */
export async function createTokenCommand(
  ctx: CommandContext,
  name: string,
  scopes: readonly Scope[],
): Promise<number> {
  const created = await ctx.client.createToken(name, scopes);
  if (ctx.output === 'json') {
    printJson(ctx.terminal, created);
    return 0;
  }
  const { colors } = ctx.terminal;
  printLines(ctx.terminal, [
    `${colors.green('✔')} token ${created.name} created with ${created.scopes.join(', ')}; shown once, keep it now:`,
    created.token,
  ]);
  return 0;
}

/** `canary tokens list`: names, scopes and ages; never the secrets. */
export async function listTokensCommand(ctx: CommandContext): Promise<number> {
  const tokens = await ctx.client.listTokens();
  if (ctx.output === 'json') {
    printJson(ctx.terminal, tokens);
    return 0;
  }
  const { colors } = ctx.terminal;
  const now = ctx.now();
  printLines(
    ctx.terminal,
    renderTable(
      [{ header: 'NAME' }, { header: 'SCOPES' }, { header: 'CREATED' }],
      tokens.map((token) => [token.name, token.scopes.join(','), formatAge(token.createdAt, now)]),
      { header: colors.bold },
    ),
  );
  return 0;
}

/** `canary tokens revoke NAME`: the token stops working on its next request. */
export async function revokeTokenCommand(ctx: CommandContext, name: string): Promise<number> {
  await ctx.client.revokeToken(name);
  if (ctx.output === 'json') printJson(ctx.terminal, { name, revoked: true });
  else printLines(ctx.terminal, [`${ctx.terminal.colors.green('✔')} token ${name} revoked`]);
  return 0;
}
