import type { CheckStatus, RolloutPhase } from '@prompt-canary/api-types';

/** A rollout phase as a coloured badge. */
export function PhaseBadge({ phase }: { phase: RolloutPhase }) {
  return (
    <span class={`badge phase-${phase}`} data-phase={phase}>
      {phase}
    </span>
  );
}

/** A check status as a coloured badge. */
export function StatusBadge({ status }: { status: CheckStatus }) {
  return <span class={`badge status-${status}`}>{status}</span>;
}
