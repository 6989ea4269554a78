import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { type ChangeDeps, commitChange } from '../changes/commit-change.js';
import {
  type RolloutChange,
  type RolloutWrites,
  rolloutChangeRecord,
  writeRolloutTransition,
} from '../rollouts/commit-rollout-transition.js';
import type { Rollout } from '../rollouts/rollout-state.js';
import type { AnalysisSource } from './analysis-source.js';
import {
  type ControllerMemory,
  emptyMemory,
  observe,
  type RolloutLook,
  stageKey,
} from './controller-memory.js';
import type { ControllerRecord, ControllerStateStore, LastCheck } from './controller-state-store.js';
import { type Leadership, LeadershipLostError, SoleLeadership } from './leadership.js';
import {
  applyDecision,
  CONTROLLER_ACTOR,
  DECISION_ACTION,
  type Decision,
  decide,
  failureReason,
  gateDecision,
  type MachineInput,
  notifyingVerdicts,
} from './rollout-machine.js';

/**
 * Something a look records without changing the rollout: a `notify` metric's failure (announced as the webhook
 * `rollout.metric_notify`) or what a dry run's checks would have done. A timeline entry that keeps the phase and
 * weight, and an audit entry `rollout.<action>`.
 */
export interface LookNote {
  readonly action: 'metric_notify' | 'dry_run';
  readonly reason: string;
}

/**
 * The notes of a look, each once per failure episode (`memory.announced`), and the memory with them announced.
 * Pure: the controller commits the notes.
 */
export function lookNotes(input: MachineInput): { notes: LookNote[]; memory: ControllerMemory } {
  const { memory, nowMs } = input;
  const announced: Record<string, number> = { ...memory.announced };
  const notes: LookNote[] = [];
  for (const verdict of notifyingVerdicts(input)) {
    if (announced[verdict.metric] !== undefined) continue;
    announced[verdict.metric] = nowMs;
    const failed = failureReason(verdict, memory.failures[verdict.metric] ?? 0);
    notes.push({ action: 'metric_notify', reason: `${failed}; notify only, the rollout goes on` });
  }
  if (input.rollout.spec.analysis.dryRun === true) {
    const would = gateDecision(input);
    if (would === null) {
      for (const key of Object.keys(announced)) if (key.startsWith('would:')) delete announced[key];
    } else {
      const key = `would:${would.metric ?? (would.kind === 'pause' ? would.cause : would.kind)}`;
      if (announced[key] === undefined) {
        announced[key] = nowMs;
        const verb = would.kind === 'rollback' ? 'roll back' : 'pause';
        notes.push({ action: 'dry_run', reason: `would ${verb}: ${would.reason} (dry run: not done)` });
      }
    }
  }
  return { notes, memory: { ...memory, announced } };
}

/** The ports the controller reads and writes: a rollout transition's, and its own state. */
export interface ControllerWrites extends RolloutWrites {
  readonly controller: ControllerStateStore;
}

/** What {@link RolloutController} works with. */
export interface RolloutControllerDeps {
  /** The store, change feed and clock (the app context); the clock's time scale applies to rollout durations. */
  readonly changes: ChangeDeps<ControllerWrites>;
  readonly analysis: AnalysisSource;
  readonly logger?: Logger;
  /** Registers `canaryd_controller_*` metrics here when given. */
  readonly registry?: Registry;
  /** Longest sleep of the timer loop in real ms, so that a missed wake-up costs at most this much (60 s). */
  readonly maxSleepMs?: number;
  /**
   * Whether this replica runs the loop, and the fence every commit checks (default: always, alone on the
   * database). A replica that is not the leader looks at nothing; one that loses the lease mid-look commits nothing.
   */
  readonly leadership?: Leadership;
}

/**
 * The rollout loop: every `analysis.interval` (under the time scale) of each live rollout, one look through the
 * {@link AnalysisSource}, folded into the controller's memory, decided by the machine, and committed with the
 * transition (rollout, timeline, audit by `controller`, recompiled flag and config revision) in one transaction.
 * Tests drive it with {@link RolloutController.tick} or through a `ManualClock`; `start()` runs it on the clock's
 * timers. A restart resumes from the persisted state: {@link RolloutController.recover} applies any rollback or
 * pause the last persisted look already called for, and overdue looks run at once.
 *
 * @example
 * const controller = new RolloutController({ changes: ctx, analysis });
 * controller.start();
 * // … later
 * controller.stop();
 */
export class RolloutController {
  readonly #deps: RolloutControllerDeps;
  readonly #leadership: Leadership;
  readonly #looks: Counter<'decision'> | undefined;
  readonly #errors: Counter<'pack' | 'stage'> | undefined;
  /** Whether the last tick had a look whose commit failed: the next one waits {@link ERROR_RETRY_MS} at least. */
  #failing = false;
  #cancelTimer: (() => void) | null = null;
  #stopFeed: (() => void) | null = null;
  #stopLeadership: (() => void) | null = null;
  #running = false;
  #ticking = false;

  constructor(deps: RolloutControllerDeps) {
    this.#deps = deps;
    this.#leadership = deps.leadership ?? new SoleLeadership();
    this.#looks =
      deps.registry === undefined
        ? undefined
        : new Counter({
            name: 'canaryd_controller_checks_total',
            help: 'Rollout checks run by the controller, by decision',
            labelNames: ['decision'],
            registers: [deps.registry],
          });
    this.#errors =
      deps.registry === undefined
        ? undefined
        : new Counter({
            name: 'canaryd_controller_check_errors_total',
            help: 'Rollout looks that failed with an error, by pack and stage (analysis: the analysis threw; commit: writing the look or its transition failed; fence: this replica lost the controller lease, nothing written)',
            labelNames: ['pack', 'stage'],
            registers: [deps.registry],
          });
  }

  /** When the next look of `rollout` is due (wall-clock ms). */
  nextCheckAt(rollout: Rollout, record?: ControllerRecord): number {
    const { clock } = this.#deps.changes;
    const last = (record ?? this.#deps.changes.store.controller.get(rollout.id))?.memory.lastLookAt ?? null;
    const interval = clock.scaleDuration(rollout.spec.analysis.intervalMs);
    if (last === null) return Date.parse(rollout.startedAt) + interval;
    // A clock moved back behind the last look: look again now rather than wait for it to catch up.
    if (clock.now() < last) return clock.now();
    return last + interval;
  }

  /**
   * Runs every look that is due now; returns how many ran. A look whose commit fails (the database busy or full) is
   * counted and logged, and the other rollouts' looks still run; the failed one is retried on the next tick, since
   * nothing of it was written.
   */
  tick(): number {
    if (this.#ticking || !this.#leadership.isLeader()) return 0;
    this.#ticking = true;
    let ran = 0;
    let failed = false;
    try {
      for (const rollout of this.#deps.changes.store.rollouts.listLive()) {
        const record = this.#deps.changes.store.controller.get(rollout.id);
        if (this.nextCheckAt(rollout, record) > this.#deps.changes.clock.now()) continue;
        try {
          this.#look(rollout, record);
        } catch (err) {
          if (err instanceof LeadershipLostError) {
            // Nothing of the look was written: the new leader looks again from the state as committed. Should
            // the leadership still claim this replica, the next try waits as after a failed commit.
            this.#fenced(rollout, err);
            failed = true;
            break;
          }
          failed = true;
          this.#looks?.inc({ decision: 'error' });
          this.#checkError(rollout, 'commit', err);
        }
        ran++;
      }
    } finally {
      this.#ticking = false;
      this.#failing = failed;
    }
    return ran;
  }

  /** Runs one look at a live rollout now, whether due or not; returns the decision (or `null` if not live). */
  checkNow(rolloutId: string): Decision | null {
    const rollout = this.#deps.changes.store.rollouts.get(rolloutId);
    if (rollout === undefined || !(rollout.phase === 'Progressing' || rollout.phase === 'Paused'))
      return null;
    return this.#look(rollout, this.#deps.changes.store.controller.get(rollout.id));
  }

  /**
   * Re-decides every live rollout from its persisted memory and last look, without a new look, and applies a due
   * rollback or pause (say the process died between a failed check and its rollback). Steps wait for a fresh look.
   */
  recover(): number {
    if (!this.#leadership.isLeader()) return 0;
    let applied = 0;
    const nowMs = this.#deps.changes.clock.now();
    for (const rollout of this.#deps.changes.store.rollouts.listLive()) {
      const record = this.#deps.changes.store.controller.get(rollout.id);
      if (record?.lastCheck == null) continue;
      const look: RolloutLook = {
        at: Date.parse(record.lastCheck.at),
        stage: record.lastCheck.stage,
        checks: record.lastCheck.checks,
        srm: record.lastCheck.srm,
      };
      const decision = decide({
        rollout,
        memory: record.memory,
        look,
        nowMs,
        timeScale: this.#deps.changes.clock.timeScale,
      });
      if (decision.kind !== 'rollback' && decision.kind !== 'pause') continue;
      try {
        if (this.#commit(rollout, decision, nowMs, record)) applied++;
      } catch (err) {
        if (!(err instanceof LeadershipLostError)) throw err;
        this.#fenced(rollout, err);
        break;
      }
    }
    return applied;
  }

  /**
   * Starts the timer loop on the clock (after {@link recover}); new rollouts and transitions wake it. A replica
   * that gains leadership later recovers then and starts looking at once.
   */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#stopLeadership = this.#leadership.subscribe((leader) => {
      if (!leader || !this.#running) return;
      this.#deps.logger?.info('this replica now runs the rollout controller');
      try {
        this.recover();
      } catch (err) {
        this.#deps.logger?.error({ err }, 'rollout controller recovery failed');
      }
      this.#loop();
    });
    try {
      this.recover();
    } catch (err) {
      // A database away at start: the loop's next tick looks again.
      this.#deps.logger?.error({ err }, 'rollout controller recovery failed');
    }
    this.#stopFeed = this.#deps.changes.feed.subscribe((event) => {
      const { action } = event.audit;
      if (!this.#ticking && (action.startsWith('pack.') || action.startsWith('rollout.'))) this.#schedule();
    });
    this.#loop();
  }

  /** Stops the timer loop. */
  stop(): void {
    this.#running = false;
    this.#cancelTimer?.();
    this.#cancelTimer = null;
    this.#stopFeed?.();
    this.#stopFeed = null;
    this.#stopLeadership?.();
    this.#stopLeadership = null;
  }

  #loop(): void {
    if (!this.#running) return;
    try {
      this.tick();
    } catch (err) {
      this.#deps.logger?.error({ err }, 'rollout controller tick failed');
    }
    this.#schedule();
  }

  #schedule(): void {
    if (!this.#running) return;
    if (!this.#leadership.isLeader()) {
      // A follower sleeps until it gains the leadership (its listener restarts the loop).
      this.#cancelTimer?.();
      this.#cancelTimer = null;
      return;
    }
    const { clock } = this.#deps.changes;
    const nowMs = clock.now();
    let next = nowMs + (this.#deps.maxSleepMs ?? 60_000);
    for (const rollout of this.#deps.changes.store.rollouts.listLive()) {
      next = Math.min(next, this.nextCheckAt(rollout));
    }
    // A look that failed to commit is due again at once: retry after a pause rather than spin.
    const soonest = this.#failing ? ERROR_RETRY_MS : 0;
    this.#cancelTimer?.();
    this.#cancelTimer = clock.setTimer(Math.max(soonest, next - nowMs), () => {
      this.#cancelTimer = null;
      this.#loop();
    });
  }

  #look(rollout: Rollout, record: ControllerRecord | undefined): Decision {
    const { clock } = this.#deps.changes;
    const nowMs = clock.now();
    let look: RolloutLook;
    let error: string | undefined;
    let sequentialState = record?.sequentialState;
    try {
      const outcome = this.#deps.analysis.analyze(rollout, {
        nowMs,
        window: 'step',
        ...(sequentialState === undefined ? {} : { sequentialState }),
      });
      sequentialState = outcome.sequentialState;
      // The analysis names the strategy's stage (`rollbackWindow`); the look keeps the machine's stage key.
      look = { ...outcome.analysis, at: nowMs, stage: stageKey(rollout) };
    } catch (err) {
      // A broken analysis is no data: the step holds and, if it lasts, the rollout pauses with NoData. It is
      // counted as an error (not as the hold it decides), logged, and shown in `lastCheck.error`.
      error = this.#checkError(rollout, 'analysis', err);
      look = {
        at: nowMs,
        stage: stageKey(rollout),
        checks: [],
        srm: { result: 'n/a', reason: 'analysis failed' },
      };
    }
    const observed = observe(record?.memory ?? emptyMemory(rollout), rollout, look);
    const input = { rollout, memory: observed, look, nowMs, timeScale: clock.timeScale };
    const decision = decide(input);
    const { notes, memory } = lookNotes(input);
    const next: ControllerRecord = {
      memory,
      ...(sequentialState === undefined ? {} : { sequentialState }),
      lastCheck: lastCheckOf(look, memory, decision, error),
    };
    for (const note of notes) this.#note(rollout, note, nowMs, next);
    if (!this.#commit(rollout, decision, nowMs, next)) {
      const { store } = this.#deps.changes;
      store.transaction(() => {
        this.#leadership.fence();
        store.controller.save(rollout.id, next, new Date(nowMs).toISOString());
      });
    }
    // Counted once committed: a look that could not be written counts as an error (in `tick`), not as a check.
    this.#looks?.inc({ decision: error === undefined ? decision.kind : 'error' });
    return decision;
  }

  /** Records a note (timeline and audit, the rollout unchanged) with the controller's record, in one transaction. */
  #note(rollout: Rollout, note: LookNote, nowMs: number, record: ControllerRecord): void {
    const at = new Date(nowMs).toISOString();
    commitChange(
      this.#deps.changes,
      {
        actor: CONTROLLER_ACTOR,
        action: `rollout.${note.action}`,
        target: `rollout:${rollout.id}`,
        pack: rollout.pack,
        reason: note.reason,
        configChanged: false,
      },
      (store) => {
        this.#leadership.fence();
        store.rollouts.appendTimeline(rollout.id, {
          at,
          from: rollout.phase,
          to: rollout.phase,
          weight: rollout.weight,
          actor: CONTROLLER_ACTOR,
          reason: note.reason,
        });
        store.controller.save(rollout.id, record, at);
      },
    );
    this.#deps.logger?.info(
      { rollout: rollout.id, pack: rollout.pack, note: note.action, reason: note.reason },
      'rollout note',
    );
  }

  /** Commits a decision's transition with the controller's record in one transaction; false when it holds. */
  #commit(rollout: Rollout, decision: Decision, nowMs: number, record: ControllerRecord): boolean {
    if (decision.kind === 'hold') return false;
    const result = applyDecision(rollout, decision, nowMs);
    if (result === null || !result.ok || result.entry === null) return false;
    const transition = result;
    const entry = result.entry;
    const at = new Date(nowMs).toISOString();
    const change: RolloutChange = {
      before: rollout,
      transition,
      action: DECISION_ACTION[decision.kind],
      actor: CONTROLLER_ACTOR,
      reason: entry.reason,
    };
    // The transition and the look that decided it commit together: a crash never keeps one without the other.
    let flagChanged = false;
    commitChange(
      this.#deps.changes,
      () => rolloutChangeRecord(change, flagChanged),
      (store) => {
        // Checked first, in the same transaction: a replica that lost the lease writes nothing.
        this.#leadership.fence();
        flagChanged = writeRolloutTransition(store, change, nowMs);
        store.controller.save(rollout.id, record, at);
      },
    );
    this.#deps.logger?.info(
      { rollout: rollout.id, pack: rollout.pack, decision: decision.kind, reason: decision.reason },
      'rollout transition',
    );
    return true;
  }

  /** Logs a look not committed because this replica lost the leadership, and counts it (stage `fence`). */
  #fenced(rollout: Rollout, err: LeadershipLostError): void {
    this.#errors?.inc({ pack: rollout.pack, stage: 'fence' });
    this.#deps.logger?.warn(
      { rollout: rollout.id, pack: rollout.pack, reason: err.message },
      'rollout look not committed: this replica lost the controller lease',
    );
  }

  /** Counts and logs a failed look of `rollout`; returns the message for `lastCheck.error`. */
  #checkError(rollout: Rollout, stage: 'analysis' | 'commit', err: unknown): string {
    const message = err instanceof Error ? err.message : String(err);
    this.#errors?.inc({ pack: rollout.pack, stage });
    this.#deps.logger?.error(
      { err, rollout: rollout.id, pack: rollout.pack, stage },
      stage === 'analysis' ? 'rollout check failed: analysis threw' : 'rollout check failed: commit failed',
    );
    return `${stage} failed: ${message}`;
  }
}

/** How long the controller waits before retrying a look whose commit failed (real ms under the clock). */
const ERROR_RETRY_MS = 1_000;

function lastCheckOf(
  look: RolloutLook,
  memory: ControllerMemory,
  decision: Decision,
  error: string | undefined,
): LastCheck {
  const since: Record<string, string> = {};
  for (const [metric, ms] of Object.entries(memory.inconclusiveSince))
    since[metric] = new Date(ms).toISOString();
  return {
    at: new Date(look.at).toISOString(),
    stage: look.stage,
    checks: look.checks,
    srm: look.srm,
    decision,
    failures: memory.failures,
    inconclusiveSince: since,
    ...(error === undefined ? {} : { error }),
  };
}
