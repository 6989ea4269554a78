import type { Rollout, TimelineEntry } from '../rollouts/rollout-state.js';

/** The events a webhook receives (API.md "Webhooks"). */
export type WebhookEventName =
  | 'rollout.started'
  | 'rollout.stepped'
  | 'rollout.paused'
  | 'rollout.awaiting_approval'
  | 'rollout.rolled_back'
  | 'rollout.completed'
  | 'rollout.no_data'
  | 'rollout.srm'
  | 'rollout.metric_notify'
  | 'rollout.drill';

/** The JSON body of a delivery. */
export interface WebhookPayload {
  readonly event: WebhookEventName;
  readonly pack: string;
  /** The rollout announced; for a drill, the pack's live rollout or `null` when none. */
  readonly rolloutId: string | null;
  /** The rollout's phase; for a drill of a pack at rest, `null`. */
  readonly phase: Rollout['phase'] | null;
  readonly weight: number;
  readonly reason: string;
  /** When the transition happened (ISO 8601). */
  readonly at: string;
  /** One Slack-ready line. */
  readonly text: string;
  /** Set on a rollback drill's delivery only: nothing changed for anyone, nobody needs paging. */
  readonly drill?: true;
}

/**
 * The event a transition announces, or `null` for one that announces nothing (a resume). `action` is the audit
 * verb (`rollout.step`, `rollout.resume`, `pack.apply`, …).
 */
export function webhookEventOf(
  rollout: Rollout,
  entry: TimelineEntry,
  action: string,
): WebhookEventName | null {
  if (entry.from === null) return 'rollout.started';
  // Notes keep the phase: a notify metric's failure is announced, a dry run's verdict only recorded.
  if (action === 'rollout.metric_notify') return 'rollout.metric_notify';
  if (action === 'rollout.dry_run') return null;
  switch (entry.to) {
    case 'RolledBack':
      return 'rollout.rolled_back';
    case 'Completed':
      return 'rollout.completed';
    case 'Paused':
      switch (rollout.pauseCause) {
        case 'AwaitingApproval':
          return 'rollout.awaiting_approval';
        case 'NoData':
          return 'rollout.no_data';
        case 'SampleRatioMismatch':
          return 'rollout.srm';
        default:
          return 'rollout.paused';
      }
    case 'Progressing':
      return action === 'rollout.resume' ? null : 'rollout.stepped';
  }
}

const VERB: Record<WebhookEventName, string> = {
  'rollout.started': 'started',
  'rollout.stepped': 'stepped up',
  'rollout.paused': 'paused',
  'rollout.awaiting_approval': 'awaits approval',
  'rollout.rolled_back': 'rolled back',
  'rollout.completed': 'completed',
  'rollout.no_data': 'paused: no data',
  'rollout.srm': 'paused: sample ratio mismatch',
  'rollout.metric_notify': 'has a failing metric (notify only)',
  'rollout.drill': 'rollback drill',
};

/** The payload announcing `entry` of `rollout`. */
export function webhookPayload(
  rollout: Rollout,
  entry: TimelineEntry,
  event: WebhookEventName,
): WebhookPayload {
  // A blue-green switch says so; its one step is the switch itself.
  const blueGreen = rollout.plan.strategy === 'blueGreen';
  const versions = `${rollout.stableVersion} → ${rollout.canaryVersion}${blueGreen ? ' (blue-green)' : ''}`;
  const verb = blueGreen && event === 'rollout.stepped' ? 'switched' : VERB[event];
  const by = entry.actor === 'controller' ? '' : ` by ${entry.actor}`;
  return {
    event,
    pack: rollout.pack,
    rolloutId: rollout.id,
    phase: rollout.phase,
    weight: rollout.weight,
    reason: entry.reason,
    at: entry.at,
    text: `*${rollout.pack}* ${versions} ${verb}${by} at ${rollout.weight}%: ${entry.reason}`,
  };
}
