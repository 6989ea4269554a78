import type { AuditEntry, RolloutDetail } from '@prompt-canary/api-types';
import { strategyOf } from '@prompt-canary/api-types';
import { ApiFailure } from '../api/api-failure.js';
import { type CommandContext, printLines } from '../command-context.js';
import { renderAudit } from '../commands/history-command.js';
import { findPackRollout } from '../commands/pack-rollout.js';
import { analysisOf, type StatusSnapshot } from '../commands/status-command.js';
import { formatPhase, formatStep, formatWeights, renderStatus } from '../format/status-view.js';
import { formatTime } from '../format/units.js';
import { followEvents } from './event-follower.js';

/** Options of `canary watch`. */
export interface WatchOptions {
  /** Re-read at least this often, events or not. */
  readonly intervalMs: number;
  /** How many audit lines the live view shows. */
  readonly auditLines: number;
}

/** The exit code of a watch that ended: 0 completed, 3 rolled back. */
export const EXIT_ROLLED_BACK = 3;

/** A frame of the live view. */
interface Frame extends StatusSnapshot {
  readonly rollout: RolloutDetail;
  readonly audit: readonly AuditEntry[];
  readonly error?: string;
}

/** What changes a non-terminal output line: phase, step, weights, reason. */
function signature(rollout: RolloutDetail): string {
  return [
    rollout.phase,
    rollout.step,
    rollout.segment,
    rollout.stage,
    rollout.weight,
    rollout.effectiveWeight,
    rollout.reason,
  ].join('|');
}

/** One appended line for logs: `2025-… Paused step 2/10 20% (effective 20%) Manual: …`. */
export function transitionLine(
  rollout: RolloutDetail,
  at: string,
  colors: CommandContext['terminal']['colors'],
): string {
  const actor = rollout.timeline.at(-1)?.actor;
  const where =
    strategyOf(rollout) === 'blueGreen'
      ? `blue-green · ${formatStep(rollout)}`
      : `step ${formatStep(rollout)}`;
  return `${formatTime(at)}  ${formatPhase(rollout.phase, colors)}  ${where}  ${formatWeights(rollout)}${
    rollout.reason ? `  ${rollout.reason}` : ''
  }${actor ? colors.dim(`  (${actor})`) : ''}`;
}

/**
 * `canary watch PACK`: follows the pack's live (or latest) rollout until it ends. On a terminal the view is
 * redrawn on every event of the daemon's stream and every `intervalMs`: the status, the weight bar through the
 * steps, the metric table and the last audit lines. Elsewhere it appends a line per change. Resolves 0 when the
 * rollout completes and {@link EXIT_ROLLED_BACK} when it rolls back.
 */
export async function watchCommand(
  ctx: CommandContext,
  name: string,
  options: WatchOptions,
): Promise<number> {
  const { client, terminal } = ctx;
  const { colors } = terminal;
  const first = await findPackRollout(client, name, { latest: true });
  if (!first.rollout) throw new ApiFailure('not_found', `pack "${name}" has no rollout to watch`, 404);
  const id = first.rollout.id;

  const stop = new AbortController();
  let pending = false;
  let wake = () => {};
  let fatal: unknown;
  const following = followEvents(client, {
    signal: stop.signal,
    onEvent: (event) => {
      try {
        const data = JSON.parse(event.data) as { pack?: unknown; id?: unknown; target?: unknown };
        if (data.pack !== name && data.id !== id) return;
      } catch {
        // not JSON: refresh anyway
      }
      pending = true;
      wake();
    },
  }).catch((error: unknown) => {
    fatal = error;
    wake();
  });
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      if (pending || fatal) return resolve();
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  let lastSignature = '';
  const seenAudit = new Set<number | string>();
  let firstFrame = true;
  let frames = 0;
  let last: Frame | undefined;

  const read = async (): Promise<Frame> => {
    const [rollout, analysis, audit] = await Promise.all([
      client.getRollout(id),
      analysisOf(client, id),
      client.audit({ pack: name, limit: Math.max(1, options.auditLines) }),
    ]);
    return { pack: first.pack, rollout, ...analysis, audit: audit.items };
  };

  const draw = (frame: Frame) => {
    const now = ctx.now();
    if (ctx.output === 'json') {
      const fresh = frame.audit.some((item) => !seenAudit.has(item.id ?? item.at));
      if (firstFrame || fresh || signature(frame.rollout) !== lastSignature) {
        terminal.write(
          `${JSON.stringify({ rollout: frame.rollout, analysis: frame.analysis, audit: frame.audit })}\n`,
        );
      }
    } else if (terminal.isTTY) {
      const lines = [
        colors.dim(
          `canary watch ${name} · ${formatTime(new Date(now).toISOString())} · Ctrl-C stops watching`,
        ),
        '',
        ...renderStatus({ ...frame, nowMs: now, colors }),
        '',
        colors.bold('Recent activity'),
        ...renderAudit(frame.audit.slice(0, options.auditLines), colors),
        ...(frame.error ? ['', colors.red(frame.error)] : []),
      ];
      // Clear and home, as watch(1) does: wrapped lines cannot leave remnants of the previous frame.
      terminal.write(`\u001b[H\u001b[2J${lines.join('\n')}\n`);
    } else if (firstFrame) {
      printLines(terminal, renderStatus({ ...frame, nowMs: now, colors }));
    } else {
      // Rollout transitions get their own line below (with the actor); other entries (applies) are listed as is.
      const fresh = [...frame.audit]
        .reverse()
        .filter((item) => !seenAudit.has(item.id ?? item.at) && !item.action.startsWith('rollout.'));
      for (const item of fresh) {
        terminal.write(
          `${formatTime(item.at)}  ${item.actor}  ${item.action}${item.reason ? `  "${item.reason}"` : ''}\n`,
        );
      }
      if (signature(frame.rollout) !== lastSignature) {
        terminal.write(`${transitionLine(frame.rollout, frame.rollout.updatedAt, colors)}\n`);
      }
    }
    for (const item of frame.audit) seenAudit.add(item.id ?? item.at);
    lastSignature = signature(frame.rollout);
    firstFrame = false;
    frames++;
  };

  try {
    for (;;) {
      pending = false;
      try {
        last = await read();
        draw(last);
      } catch (error) {
        if (
          !(error instanceof ApiFailure) ||
          error.status === 401 ||
          error.status === 403 ||
          error.status === 404
        ) {
          throw error;
        }
        // The daemon restarting or a network blip: say so and keep watching.
        terminal.error(`${error.toLine()} (retrying)\n`);
      }
      if (fatal) throw fatal;
      const phase = last?.rollout.phase;
      if (phase === 'Completed' || phase === 'RolledBack') {
        if (!terminal.isTTY && ctx.output === 'table' && last && frames > 1) {
          printLines(terminal, ['', ...renderStatus({ ...last, nowMs: ctx.now(), colors })]);
        }
        return phase === 'Completed' ? 0 : EXIT_ROLLED_BACK;
      }
      await wait(options.intervalMs);
    }
  } finally {
    stop.abort();
    await following;
  }
}
