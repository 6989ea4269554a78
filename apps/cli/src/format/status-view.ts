import type { Analysis, PackView, RolloutDetail, RolloutPhase } from '@prompt-canary/api-types';
import { armLabels, stageText, strategyOf, strategyText } from '@prompt-canary/api-types';
import type { Colors } from '../terminal.js';
import { renderMetricTable } from './metric-table.js';
import { renderProgressBar } from './progress-bar.js';
import { formatSrm } from './samples.js';
import { formatAge, formatTime, formatWeight } from './units.js';

/** What `canary status` shows: the pack, its live (or latest) rollout and that rollout's analysis. */
export interface StatusInput {
  readonly pack: PackView;
  readonly rollout: RolloutDetail | null;
  readonly analysis: Analysis | null;
  /** Why there is no analysis (the route answered an error), shown in its place. */
  readonly analysisError?: string | undefined;
  readonly nowMs: number;
  readonly colors: Colors;
  /** ASCII bar and symbols for terminals without Unicode. */
  readonly ascii?: boolean;
}

const PHASE_SYMBOL: Readonly<Record<RolloutPhase, string>> = {
  Progressing: '◌',
  Paused: '॥',
  Completed: '✔',
  RolledBack: '✖',
};

/** A phase with its symbol and colour: cyan Progressing, yellow Paused, green Completed, red RolledBack. */
export function formatPhase(phase: RolloutPhase, colors: Colors): string {
  const text = `${PHASE_SYMBOL[phase] ?? ''} ${phase}`.trim();
  if (phase === 'Progressing') return colors.cyan(text);
  if (phase === 'Paused') return colors.yellow(text);
  if (phase === 'Completed') return colors.green(text);
  return colors.red(text);
}

/** `2/10`, or the segment phase while segments run; a blue-green switch's stage (`rollback window`). */
export function formatStep(rollout: RolloutDetail): string {
  if (strategyOf(rollout) === 'blueGreen') return stageText(rollout);
  const steps = rollout.steps ?? rollout.plan?.steps.length;
  const ramp = `${rollout.step}/${steps ?? '?'}`;
  return rollout.segment ? `segment ${rollout.segment} (ramp ${ramp})` : ramp;
}

function field(label: string, value: string, colors: Colors): string {
  return `${colors.bold(`${label}:`.padEnd(11))} ${value}`;
}

/** The weight line: the ramp's weight and, when a schedule window changes it, what the split serves. */
export function formatWeights(rollout: { weight: number; effectiveWeight: number }): string {
  const weight = formatWeight(rollout.weight);
  return rollout.effectiveWeight === rollout.weight
    ? `${weight} (effective ${weight})`
    : `${weight} (effective ${formatWeight(rollout.effectiveWeight)}, a schedule window applies)`;
}

/** The bar of a rollout's weight through its steps. */
export function rolloutBar(
  rollout: RolloutDetail,
  options: { width?: number; ascii?: boolean } = {},
): string {
  return renderProgressBar({
    weight: rollout.weight,
    steps: rollout.plan?.steps.map((s) => s.weight) ?? [],
    ...options,
  });
}

/**
 * The lines of `canary status`: phase with reason, the strategy and where in it the rollout is (with when the stage
 * ends), step i/n (canary), weight and effective weight, stable and canary
 * versions, the analysis window with the sample-ratio check (in units when it counted units, else requests), then
 * the metric table.
 */
export function renderStatus(input: StatusInput): string[] {
  const { pack, rollout, analysis, colors, nowMs } = input;
  const lines = [field('Pack', colors.bold(pack.name), colors)];
  if (pack.lastDrill) {
    const drill = pack.lastDrill;
    const held = drill.ok
      ? 'every step held'
      : `failed: ${drill.steps
          .filter((s) => !s.ok)
          .map((s) => s.name)
          .join(', ')}`;
    lines.push(
      field(
        'Last drill',
        `${formatAge(drill.at, nowMs)} (revision ${drill.revision}), ${drill.ok ? held : colors.red(held)}`,
        colors,
      ),
    );
  }
  if (!rollout) {
    lines.push(field('Stable', `${pack.stableVersion} (revision ${pack.revision})`, colors));
    lines.push(field('Rollout', colors.dim('none: the stable version serves everyone'), colors));
    return lines;
  }
  const live = rollout.phase === 'Progressing' || rollout.phase === 'Paused';
  lines.push(
    field('Rollout', `${rollout.id} ${colors.dim(`started ${formatAge(rollout.startedAt, nowMs)}`)}`, colors),
    field(
      'Phase',
      `${formatPhase(rollout.phase, colors)}${rollout.reason ? `  ${rollout.reason}` : ''}${
        live ? '' : colors.dim(` (${formatAge(rollout.endedAt ?? rollout.updatedAt, nowMs)})`)
      }`,
      colors,
    ),
    field('Strategy', strategyText(rollout, nowMs), colors),
    ...(strategyOf(rollout) === 'blueGreen' ? [] : [field('Step', formatStep(rollout), colors)]),
    field('Weight', formatWeights(rollout), colors),
    `${' '.repeat(12)}${rolloutBar(rollout, { ascii: input.ascii ?? false })}`,
    field(
      'Versions',
      strategyOf(rollout) === 'blueGreen'
        ? `old ${rollout.stableVersion}  →  new ${colors.bold(rollout.canaryVersion)}`
        : `stable ${rollout.stableVersion}  →  canary ${colors.bold(rollout.canaryVersion)}`,
      colors,
    ),
  );
  if (input.analysisError) {
    lines.push(field('Analysis', colors.dim(input.analysisError), colors));
    return lines;
  }
  if (!analysis) return lines;
  const parts: string[] = [];
  if (analysis.window) {
    parts.push(`window ${formatTime(analysis.window.from)} – ${formatTime(analysis.window.to).slice(11)}`);
  }
  // A before/after comparison (monitoring at 100%, a blue-green rollback window) says which span it compares with.
  const before = analysis.comparisons?.before;
  if (before !== undefined && analysis.comparisons) {
    parts.push(
      `before/after: since ${formatTime(analysis.comparisons.from).slice(11)} against ` +
        `${formatTime(before.from).slice(11)} – ${formatTime(before.to).slice(11)}`,
    );
  }
  if (analysis.srm) {
    const srm = formatSrm(analysis.srm);
    parts.push(analysis.srm.result === 'Fail' ? colors.red(srm) : srm);
  }
  if (parts.length > 0) lines.push(field('Analysis', parts.join(' · '), colors));
  // A look whose analysis threw counts as no data (a pause with NoData if it lasts): say why, in red.
  const failedLook = rollout.lastCheck?.error;
  if (failedLook !== undefined && rollout.lastCheck) {
    lines.push(
      field(
        'Last look',
        colors.red(`failed ${formatAge(rollout.lastCheck.at, nowMs)}: ${failedLook}`),
        colors,
      ),
    );
  }
  const evals = rollout.evaluation;
  if (evals !== undefined) {
    const last = evals.lastSentAt === null ? 'none sent yet' : `last ${formatAge(evals.lastSentAt, nowMs)}`;
    const counts = `${evals.sent} sent, ${evals.scored} scored, ${evals.late} late, ${evals.pending} pending`;
    // A late batch is a finding: the eval metrics lack the data it should have brought.
    lines.push(
      field('Evals', `${evals.late > 0 ? colors.yellow(counts) : counts} ${colors.dim(`(${last})`)}`, colors),
    );
  }
  // In a blue-green rollback window the comparison is the old version before the switch against the new one after.
  lines.push(
    '',
    ...renderMetricTable(analysis, rollout.spec.analysis?.metrics ?? [], colors, armLabels(rollout)),
  );
  // Every check that is not plainly fine says why: Degraded in red, Watch and Inconclusive dim.
  const reasons = (analysis.checks ?? []).filter(
    (c) => c.reason && (c.status === 'Degraded' || c.status === 'Watch' || c.status === 'Inconclusive'),
  );
  for (const check of reasons) {
    const line = `  ${check.metric}: ${check.reason}`;
    lines.push(check.status === 'Degraded' ? colors.red(line) : colors.dim(line));
  }
  return lines;
}
