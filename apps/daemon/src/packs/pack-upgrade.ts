/**
 * Upgrades a stored pack's metrics to the words packs are written in now (version 141 of the schema): every metric
 * states its direction and every tolerance its unit. Packs stored before then read a custom metric's direction
 * from its name and a rate's `%` or bare fraction as points; this keeps what they meant, writes it down, and says
 * so in notes that the next apply of the pack returns as warnings.
 */
import { BUILT_IN_METRICS, resolveMetric } from '@prompt-canary/analysis';
import type { Comparison, MetricDirection } from './prompt-pack.js';

/** A stored metric of any age, as JSON. */
type StoredMetric = Record<string, unknown> & { name?: unknown };

/** What the word list of the old rules read as lower-is-better. */
const OLD_LOWER_IS_BETTER = /(error|fail|block|latency|cost|token|regenerat|escalat|refus|toxic|hallucinat)/i;

const FLIPPED: Record<Comparison, Comparison> = { '>=': '<=', '<=': '>=', '>': '<', '<': '>' };

function oldGuess(metric: StoredMetric): MetricDirection {
  if (metric.maxDecrease !== undefined) return 'higher';
  if (metric.maxIncrease !== undefined) return 'lower';
  if (metric.comparison === '>=' || metric.comparison === '>') return 'higher';
  if (metric.comparison === '<=' || metric.comparison === '<') return 'lower';
  return OLD_LOWER_IS_BETTER.test(String(metric.name)) ? 'lower' : 'higher';
}

function percent(fraction: number): string {
  return `${Math.round(fraction * 1e6) / 1e4}`;
}

/** One metric upgraded, with notes for the ones whose reading was guessed, inverted or is now spelled otherwise. */
export function upgradeMetric(metric: StoredMetric): { metric: StoredMetric; notes: string[] } {
  const notes: string[] = [];
  const name = String(metric.name);
  const out: StoredMetric = { ...metric };
  const source = metric.from as { aggregate?: unknown } | undefined;
  const builtIn =
    source === undefined && BUILT_IN_METRICS.includes(name) ? resolveMetric({ name }) : undefined;
  if (out.direction === undefined) {
    if (builtIn !== undefined) {
      out.direction = builtIn.direction;
      const comparison = metric.comparison as Comparison | undefined;
      const higherOk = comparison === '>=' || comparison === '>';
      if (comparison !== undefined && higherOk !== (builtIn.direction === 'higher')) {
        out.comparison = FLIPPED[comparison];
        notes.push(
          `${name}: the stored limit read "${comparison}", backwards for a ${builtIn.direction}-is-better metric; it now reads "${out.comparison}"`,
        );
      }
    } else {
      out.direction = oldGuess(metric);
      notes.push(
        `${name}: its direction was guessed as ${out.direction}; it is now written down: state direction: ${out.direction} (or lower/higher) in the pack, which a custom metric now requires`,
      );
    }
  }
  const field =
    metric.maxIncrease !== undefined
      ? 'maxIncrease'
      : metric.maxDecrease !== undefined
        ? 'maxDecrease'
        : undefined;
  if (field !== undefined && out.toleranceUnit === undefined) {
    const wasRate = builtIn !== undefined ? builtIn.isRate : source?.aggregate === 'rate';
    out.toleranceUnit = wasRate ? 'points' : 'relative';
    if (wasRate) {
      const value = Number(metric[field]);
      notes.push(
        `${name}: ${field} meant ${percent(value)} points and still does; write it ${percent(value)}pt (${percent(value)}% now means relative to stable)`,
      );
    }
  }
  return { metric: out, notes };
}

/**
 * Upgrades the metrics of a stored `spec.rollout` (a pack's or a rollout record's), in place of a copy. Returns
 * the upgraded rollout spec and the notes; a spec without metrics comes back unchanged.
 */
export function upgradeRolloutSpec(rollout: unknown): { rollout: unknown; notes: string[] } {
  if (rollout === null || typeof rollout !== 'object') return { rollout, notes: [] };
  const analysis = (rollout as { analysis?: { metrics?: unknown } }).analysis;
  if (analysis === undefined || !Array.isArray(analysis.metrics)) return { rollout, notes: [] };
  const notes: string[] = [];
  const metrics = analysis.metrics.map((metric: StoredMetric) => {
    const upgraded = upgradeMetric(metric);
    notes.push(...upgraded.notes);
    return upgraded.metric;
  });
  return { rollout: { ...rollout, analysis: { ...analysis, metrics } }, notes };
}
