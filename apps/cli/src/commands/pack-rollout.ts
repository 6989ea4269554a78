import type { PackView, RolloutView } from '@prompt-canary/api-types';
import { ApiFailure } from '../api/api-failure.js';
import type { CanaryClient } from '../api/canary-client.js';

/** A pack and the rollout a command is about. */
export interface PackRollout {
  readonly pack: PackView;
  readonly rollout: RolloutView | null;
}

/**
 * The pack named on the command line and its live rollout, or (with `latest`) its newest rollout when none is
 * live. A missing pack is the server's `not_found`.
 */
export async function findPackRollout(
  client: CanaryClient,
  name: string,
  options: { readonly latest: boolean },
): Promise<PackRollout> {
  const pack = await client.getPack(name);
  if (!pack) throw new ApiFailure('not_found', `no pack "${name}"`, 404);
  const rollouts = await client.listRollouts({ pack: name });
  const live = pack.liveRollout ? rollouts.find((r) => r.id === pack.liveRollout) : undefined;
  if (live) return { pack, rollout: live };
  if (pack.liveRollout) return { pack, rollout: await client.getRollout(pack.liveRollout) };
  return { pack, rollout: options.latest ? (rollouts[0] ?? null) : null };
}

/** The live rollout of a pack, or `rollout_not_active` (as the server would answer an action without one). */
export async function liveRolloutOf(client: CanaryClient, name: string): Promise<RolloutView> {
  const { rollout } = await findPackRollout(client, name, { latest: false });
  if (!rollout) throw new ApiFailure('rollout_not_active', `pack "${name}" has no live rollout`, 409);
  return rollout;
}
