/**
 * Test support: PromptPack rollout specs and rollouts built through the real parser and plan builder, so tests
 * state packs the way users write them.
 */
import type { Condition } from '@prompt-canary/rules';
import { parsePromptPack } from '../../packs/pack-schema.js';
import type { RolloutSpec } from '../../packs/prompt-pack.js';
import { buildRolloutPlan, type RolloutPlan } from '../rollout-plan.js';
import { type Rollout, startRollout } from '../rollout-state.js';

/** Parses a `spec.rollout` written as in YAML; throws with the issues when it is invalid. */
export function rolloutSpec(rollout: Record<string, unknown>): RolloutSpec {
  const result = parsePromptPack({
    apiVersion: 'promptcanary.dev/v1alpha1',
    kind: 'PromptPack',
    metadata: { name: 'support-prompts' },
    spec: { version: '2.4.0', rollout },
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.pack.spec.rollout;
}

/** Builds the plan of a rollout spec written as in YAML, with optional named segments. */
export function planOf(
  rollout: Record<string, unknown>,
  segments: Record<string, Condition> = {},
): RolloutPlan {
  const result = buildRolloutPlan(rolloutSpec(rollout), new Map(Object.entries(segments)));
  if (!result.ok) throw new Error(result.error.message);
  return result.plan;
}

/** Starts a rollout of `support-prompts` from 2.3.1 to 2.4.0 at `nowMs`. */
export function startedRollout(
  rollout: Record<string, unknown>,
  nowMs = Date.UTC(2026, 0, 5, 12),
  segments: Record<string, Condition> = {},
): Rollout {
  return startRollout({
    id: 'r1',
    pack: 'support-prompts',
    stableVersion: '2.3.1',
    canaryVersion: '2.4.0',
    spec: rolloutSpec(rollout),
    plan: planOf(rollout, segments),
    actor: 'admin',
    nowMs,
  }).rollout;
}
