import { ApiFailure } from '../api/api-failure.js';
import { renderContentDiff } from '../apply/content-diff.js';
import { type CommandContext, printJson, printLines, UsageError } from '../command-context.js';

/** Options of `canary diff`. */
export interface DiffOptions {
  readonly from?: string;
  readonly to?: string;
}

/**
 * `canary diff PACK [--from V --to V]`: a unified diff of two versions' prompts, model parameters and attributes.
 * Without versions it compares what the pack's latest rollout changes (live or not: its stable version with its
 * canary), or, for a pack that never had a rollout, the version applied before the stable one with the stable one.
 */
export async function diffCommand(ctx: CommandContext, pack: string, options: DiffOptions): Promise<number> {
  const { client, terminal } = ctx;
  const current = await client.getPack(pack);
  if (current === null) throw new ApiFailure('not_found', `no pack "${pack}"`, 404);
  let from = options.from;
  let to = options.to;
  if (from === undefined || to === undefined) {
    const [latest] = await client.listRollouts({ pack });
    if (latest !== undefined) {
      from ??= latest.stableVersion;
      to ??= latest.canaryVersion;
    } else {
      const versions = (await client.listVersions(pack)).map((v) => v.version);
      to ??= current.stableVersion;
      const before = versions.filter((v) => v !== to);
      from ??= before[before.length - 1];
    }
  }
  if (from === undefined || to === undefined) {
    throw new UsageError(
      `${pack} has one version only (${current.stableVersion}): nothing to compare it with`,
    );
  }
  const [fromBundle, toBundle] = await Promise.all([
    client.getVersion(pack, from),
    client.getVersion(pack, to),
  ]);
  for (const [version, bundle] of [
    [from, fromBundle],
    [to, toBundle],
  ] as const) {
    if (bundle === null)
      throw new ApiFailure('not_found', `pack "${pack}" has no recorded version "${version}"`, 404);
  }
  const diff = renderContentDiff(fromBundle, toBundle, {
    fromLabel: `${pack} ${from}`,
    toLabel: `${pack} ${to}`,
    colors: terminal.colors,
  });
  if (ctx.output === 'json') {
    printJson(terminal, {
      pack,
      from: { version: from, contentHash: fromBundle?.contentHash },
      to: { version: to, contentHash: toBundle?.contentHash },
      changed: diff.changed,
      diff: diff.lines,
    });
    return 0;
  }
  printLines(
    terminal,
    diff.changed ? diff.lines : [terminal.colors.dim(`${pack}: ${from} and ${to} have the same content`)],
  );
  return 0;
}
