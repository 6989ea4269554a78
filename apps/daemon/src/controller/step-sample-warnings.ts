/**
 * Apply-time estimates: from a pack's recent request rate, how long each stage needs to collect its minimum
 * samples, and warnings where a stage's minimum duration is too short for that (the step would hold, then pause
 * as inconclusive).
 */

import { formatDuration } from '@prompt-canary/api-types';
import type { SliceStore } from '../ingest/slice-store.js';
import type { RolloutSpec } from '../packs/prompt-pack.js';
import type { RolloutPlan } from '../rollouts/rollout-plan.js';
import type { RolloutStore } from '../rollouts/rollout-store.js';

/** A pack's recent request rate, in requests per real second, or `null` when nothing is known. */
export type RequestRate = (pack: string, nowMs: number) => number | null;

/** How far back the rate looks: the last hour. */
export const RATE_WINDOW_MS = 3_600_000;

/**
 * The request rate of a pack over the last hour, from the analyzer's slices of its recent rollouts (both arms: all
 * of the pack's traffic), divided by the time those rollouts covered within the hour. `null` without any.
 */
export function sliceRequestRate(rollouts: RolloutStore, slices: SliceStore): RequestRate {
  return (pack, nowMs) => {
    const fromMs = nowMs - RATE_WINDOW_MS;
    let spans = 0;
    let coveredMs = 0;
    for (const rollout of rollouts.list({ pack })) {
      const startMs = Math.max(fromMs, Date.parse(rollout.startedAt));
      const endMs = Math.min(nowMs, rollout.endedAt === undefined ? nowMs : Date.parse(rollout.endedAt));
      if (endMs <= startMs) continue;
      for (const slice of slices.read({ rolloutId: rollout.id, fromMs: startMs, toMs: endMs })) {
        spans += slice.aggregate.spans;
      }
      coveredMs += endMs - startMs;
    }
    return coveredMs > 0 && spans > 0 ? spans / (coveredMs / 1000) : null;
  };
}

function rateText(perSecond: number): string {
  return perSecond >= 1
    ? `${perSecond.toFixed(1)} requests/s`
    : `${(perSecond * 60).toFixed(1)} requests/min`;
}

/**
 * Warnings for the stages of `plan` that cannot reach `minSamples` per arm within their minimum duration at
 * `ratePerSecond` (real time; durations run `timeScale` times faster). Empty without a rate or without metrics.
 * Segment phases are skipped: their share of the traffic is unknown before they run.
 *
 * @example
 * stepSampleWarnings(spec, plan, 0.5, 1);
 * // ['step 1 (1%) needs about 5h 33m to reach 100 samples per arm at the recent 30.0 requests/min; its minimum duration is 4h']
 */
export function stepSampleWarnings(
  spec: RolloutSpec,
  plan: RolloutPlan,
  ratePerSecond: number | null,
  timeScale: number,
): string[] {
  const { metrics, minSamples, intervalMs } = spec.analysis;
  if (ratePerSecond === null || !(ratePerSecond > 0) || metrics.length === 0) return [];
  const hasHardLimits = metrics.some((metric) => metric.threshold !== undefined);
  const rate = rateText(ratePerSecond);
  const warnings: string[] = [];
  const short: string[] = [];
  const blueGreen = plan.strategy === 'blueGreen';
  plan.steps.forEach((step, index) => {
    // A blue-green plan's steps are its weight preview and its switch (ADR 0012).
    const name = blueGreen
      ? index === plan.steps.length - 1
        ? 'the rollback window (100%)'
        : `preview (${step.weight}%)`
      : `step ${index + 1} (${step.weight}%)`;
    const share = step.weight / 100;
    // At 100% there is no stable arm: only the canary's samples matter.
    const slowestArm = step.weight >= 100 ? ratePerSecond : ratePerSecond * Math.min(share, 1 - share);
    const minimumMs = Math.max(step.minDurationMs, step.monitorForMs);
    if (step.weight >= 100 && minimumMs === 0) return;
    const neededMs = (minSamples / slowestArm) * 1000;
    const availableMs = minimumMs / timeScale;
    if (neededMs > availableMs) {
      const perArm = step.weight >= 100 ? '' : ' per arm';
      warnings.push(
        `${name} needs about ${formatDuration(neededMs)} to reach ${minSamples} samples${perArm} at the recent ` +
          `${rate}; its minimum duration is ${formatDuration(availableMs)}`,
      );
    }
    const perInterval = ratePerSecond * share * (intervalMs / timeScale / 1000);
    if (hasHardLimits && perInterval < minSamples)
      short.push(blueGreen ? name : `${index + 1} (${step.weight}%)`);
  });
  if (short.length > 0) {
    const on = blueGreen ? `in ${short.join(', ')}` : `on step ${short.join(', ')}`;
    warnings.push(
      `hard limits look at one interval (${formatDuration(intervalMs)}): at the recent ${rate} the canary gets ` +
        `fewer than ${minSamples} requests per interval ${on}, so they may stay inconclusive`,
    );
  }
  return warnings;
}
