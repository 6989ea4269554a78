/**
 * Warnings for a re-applied pack whose words now mean something else than the stored pack they replace: a rate's
 * `2%` tolerance, which stored packs read as 2 points, now reads as 2% of stable's value; a bare number on another
 * metric, which stored packs read as a fraction of stable's value, now reads in the metric's own unit.
 */
import { metricKey } from '@prompt-canary/analysis';
import type { MetricSpec, PromptPack } from './prompt-pack.js';

function tolerance(metric: MetricSpec): { field: string; value: number } | undefined {
  if (metric.maxIncrease !== undefined) return { field: 'maxIncrease', value: metric.maxIncrease };
  if (metric.maxDecrease !== undefined) return { field: 'maxDecrease', value: metric.maxDecrease };
  return undefined;
}

const shown = (fraction: number): string => `${Math.round(fraction * 1e6) / 1e4}`;

/**
 * One warning per metric whose tolerance kept its figure but changed its unit from points (the stored pack) to
 * relative (the incoming one): the spelling that used to mean points (`2%`) now means a relative change.
 *
 * @example
 * toleranceMeaningWarnings(stored, incoming);
 * // ['metrics.1 (success_rate): maxDecrease 2% now means 2% of stable's value; the stored pack meant 2 points: write 2pt to keep that']
 */
export function toleranceMeaningWarnings(stored: PromptPack, incoming: PromptPack): string[] {
  // By key: two entries of one metric name (per evaluator, per downstream service) are two metrics.
  const before = new Map(stored.spec.rollout.analysis.metrics.map((m) => [metricKey(m), m]));
  const warnings: string[] = [];
  incoming.spec.rollout.analysis.metrics.forEach((metric, index) => {
    const old = before.get(metricKey(metric));
    const now = tolerance(metric);
    const then = old === undefined ? undefined : tolerance(old);
    if (now === undefined || then === undefined || now.field !== then.field) return;
    if (old?.toleranceUnit === 'relative' && metric.toleranceUnit === 'absolute') {
      warnings.push(
        `metrics.${index} (${metric.name}): ${now.field} ${now.value} now means ${now.value} in the metric's own unit (ms, tokens, cost); the stored pack meant ${shown(then.value)}% of stable's value: write ${shown(then.value)}% to keep that`,
      );
      return;
    }
    if (old?.toleranceUnit !== 'points' || metric.toleranceUnit !== 'relative') return;
    warnings.push(
      `metrics.${index} (${metric.name}): ${now.field} ${shown(now.value)}% now means ${shown(now.value)}% of stable's value; the stored pack meant ${shown(then.value)} points: write ${shown(then.value)}pt to keep that`,
    );
  });
  return warnings;
}
