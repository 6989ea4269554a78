import type { Analysis, PackView, RolloutDetail } from '@prompt-canary/api-types';
import { ApiFailure } from '../api/api-failure.js';
import type { CanaryClient } from '../api/canary-client.js';
import { type CommandContext, printJson, printLines } from '../command-context.js';
import { renderStatus } from '../format/status-view.js';
import { drillWarning } from './drill-command.js';
import { findPackRollout } from './pack-rollout.js';

/** A pack's rollout with its analysis, as `status` and `watch` read them. */
export interface StatusSnapshot {
  readonly pack: PackView;
  readonly rollout: RolloutDetail | null;
  readonly analysis: Analysis | null;
  /** The analysis route's error, when it answered one (the rollout is still shown). */
  readonly analysisError?: string;
}

/** The analysis of a rollout, or the one-line reason it is not available. */
export async function analysisOf(
  client: CanaryClient,
  id: string,
): Promise<{ analysis: Analysis | null; analysisError?: string }> {
  try {
    return { analysis: await client.getAnalysis(id) };
  } catch (error) {
    if (error instanceof ApiFailure && error.code !== 'network') {
      return { analysis: null, analysisError: `not available (${error.code}: ${error.message})` };
    }
    throw error;
  }
}

/** Reads the pack, its live (else latest) rollout and that rollout's analysis. */
export async function readStatus(client: CanaryClient, name: string): Promise<StatusSnapshot> {
  const { pack, rollout } = await findPackRollout(client, name, { latest: true });
  if (!rollout) return { pack, rollout: null, analysis: null };
  const [detail, analysis] = await Promise.all([
    client.getRollout(rollout.id),
    analysisOf(client, rollout.id),
  ]);
  return { pack, rollout: detail, ...analysis };
}

/** `canary status PACK`: phase and reason, step, weights, versions and the metric table. */
export async function statusCommand(ctx: CommandContext, name: string): Promise<number> {
  const snapshot = await readStatus(ctx.client, name);
  if (ctx.output === 'json') {
    printJson(ctx.terminal, snapshot);
    return 0;
  }
  printLines(ctx.terminal, renderStatus({ ...snapshot, nowMs: ctx.now(), colors: ctx.terminal.colors }));
  const warning = drillWarning(name, snapshot.pack.lastDrill, ctx.now());
  if (warning !== null) ctx.terminal.error(`${ctx.terminal.colors.yellow(warning)}\n`);
  return 0;
}
