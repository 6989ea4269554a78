import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { ChangeFeed } from '../changes/change-feed.js';
import type { Clock } from '../clock/clock.js';
import type { SampledTrace, TraceSampler } from '../ingest/trace-sampler.js';
import type { EvaluationSpec } from '../packs/prompt-pack.js';
import type { Rollout } from '../rollouts/rollout-state.js';
import type { RolloutStore } from '../rollouts/rollout-store.js';
import { SIGNATURE_HEADER, signWebhook } from '../webhooks/sign-webhook.js';
import type { EvaluationBatch, EvaluationBatchStore } from './evaluation-batch-store.js';
import { type DrawnTrace, TraceReservoir } from './trace-reservoir.js';

/** The body POSTed to a pack's evaluation hook. */
export interface EvaluationRequest {
  readonly event: 'evaluation.requested';
  readonly pack: string;
  readonly rolloutId: string;
  readonly batchId: string;
  readonly traces: ReadonlyArray<{ traceId: string; variant: string; endTime: string }>;
}

/** What {@link EvaluationSampler} works with. */
export interface EvaluationSamplerDeps {
  readonly rollouts: Pick<RolloutStore, 'listLive'>;
  readonly batches: EvaluationBatchStore;
  readonly clock: Clock;
  /** Rollout changes refresh which rollouts are sampled. */
  readonly feed?: ChangeFeed;
  readonly logger?: Logger;
  readonly registry?: Registry;
  /** Default: the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** Default: `Math.random`. */
  readonly random?: () => number;
  /**
   * Whether this replica draws and sends batches (and marks them late): the controller's leader, so replicas
   * sharing a database send one batch per draw, not one each. Every replica keeps offering its own requests to its
   * reservoirs meanwhile. Default: always (one daemon on its database).
   */
  readonly isLeader?: () => boolean;
  /** The shortest real ms between looks at the schedule (default 250); the longest is a minute. */
  readonly tickMs?: number;
  /** Real ms one delivery attempt may take (default 10 s). */
  readonly attemptTimeoutMs?: number;
}

interface Sampled {
  readonly rollout: Rollout;
  readonly evaluation: EvaluationSpec;
  readonly stable: TraceReservoir;
  readonly canary: TraceReservoir;
}

const ATTEMPTS = 3;

/**
 * Evals on sampled live traffic (`analysis.evaluation`). Ingest offers every committed split-assigned request; per
 * live rollout and arm a bounded reservoir keeps a uniform sample of the trace ids seen since the last draw (ids,
 * variants and end times only). Every `every` (rollout time) the sampler draws up to `sample` per arm, records the
 * batch (its deadline `timeout` later) and POSTs `evaluation.requested` to the pack's hook, signed like the
 * webhooks; an empty draw sends nothing. Scores come back on `POST /api/v1/scores` with the `batchId`; a batch still
 * unscored at its deadline is marked late (a warning in the log, the count in status and `/metrics`), and the eval
 * metrics without data stay inconclusive until the controller pauses the rollout (`NoData`).
 *
 * @example
 * const sampler = new EvaluationSampler({ rollouts: store.rollouts, batches: store.evaluations, clock, feed });
 * buildIngest(ctx, sampler);
 * sampler.start();
 */
export class EvaluationSampler implements TraceSampler {
  readonly #deps: EvaluationSamplerDeps;
  readonly #random: () => number;
  readonly #deliveries: Counter<'outcome'> | undefined;
  #sampled = new Map<string, Sampled>();
  /** When each rollout was last drawn (epoch ms); from the store's last batch after a restart. */
  readonly #lastDraw = new Map<string, number>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #controllers = new Set<AbortController>();
  #cancelTimer: (() => void) | null = null;
  /** Deadlines of the batches this process sent that may still turn late, epoch ms. */
  readonly #deadlines = new Set<number>();
  #stopFeed: (() => void) | null = null;
  #running = false;
  #closed = false;

  constructor(deps: EvaluationSamplerDeps) {
    this.#deps = deps;
    this.#random = deps.random ?? Math.random;
    this.#deliveries =
      deps.registry === undefined
        ? undefined
        : new Counter({
            name: 'canaryd_evaluation_requests_total',
            help: 'Evaluation hook requests by outcome (delivered, failed)',
            labelNames: ['outcome'],
            registers: [deps.registry],
          });
    this.refresh();
    // Followed from construction on, so that traffic of a rollout started before the schedule runs is offered too.
    this.#stopFeed =
      deps.feed?.subscribe((event) => {
        const { action } = event.audit;
        if (action.startsWith('pack.') || action.startsWith('rollout.')) {
          this.refresh();
          // A rollout that starts or changes may be due sooner than the timer set before it.
          this.#schedule();
        }
      }) ?? null;
  }

  /** Rebuilds the set of sampled rollouts from the store, keeping the reservoirs of those still live. */
  refresh(): void {
    const next = new Map<string, Sampled>();
    for (const rollout of this.#deps.rollouts.listLive()) {
      const evaluation = rollout.spec.analysis.evaluation;
      if (evaluation === undefined) continue;
      const previous = this.#sampled.get(rollout.id);
      const keep = previous !== undefined && previous.evaluation.sample === evaluation.sample;
      next.set(rollout.id, {
        rollout,
        evaluation,
        stable: keep ? previous.stable : new TraceReservoir(evaluation.sample, this.#random),
        canary: keep ? previous.canary : new TraceReservoir(evaluation.sample, this.#random),
      });
    }
    this.#sampled = next;
  }

  offer(trace: SampledTrace): void {
    const sampled = this.#sampled.get(trace.rolloutId);
    if (sampled === undefined) return;
    sampled[trace.arm].offer({ traceId: trace.traceId, variant: trace.variant, endMs: trace.endMs });
  }

  /**
   * One look at the schedule: marks overdue batches late, then draws and sends a batch for each rollout whose
   * `every` has passed since its last draw. Returns the batches sent.
   */
  tick(): EvaluationBatch[] {
    const { clock, batches, logger } = this.#deps;
    if (this.#deps.isLeader?.() === false) return [];
    const nowMs = clock.now();
    for (const deadline of this.#deadlines) if (deadline <= nowMs) this.#deadlines.delete(deadline);
    for (const late of batches.markLate(nowMs)) {
      logger?.warn(
        { pack: late.pack, rolloutId: late.rolloutId, batchId: late.id },
        'evaluation batch not scored in time',
      );
    }
    const sent: EvaluationBatch[] = [];
    for (const sampled of this.#sampled.values()) {
      const { rollout, evaluation } = sampled;
      const last =
        this.#lastDraw.get(rollout.id) ??
        batches.summary(rollout.id).lastSentAt ??
        Date.parse(rollout.startedAt);
      if (nowMs - last < clock.scaleDuration(evaluation.everyMs)) continue;
      this.#lastDraw.set(rollout.id, nowMs);
      const stable = sampled.stable.draw();
      const canary = sampled.canary.draw();
      if (stable.length === 0 && canary.length === 0) continue;
      const batch: EvaluationBatch = {
        id: randomUUID(),
        rolloutId: rollout.id,
        pack: rollout.pack,
        sentAt: nowMs,
        deadlineAt: nowMs + clock.scaleDuration(evaluation.timeoutMs),
        traces: { stable: stable.length, canary: canary.length },
        scores: 0,
        scoredAt: null,
        state: 'pending',
      };
      batches.add(batch);
      this.#deadlines.add(batch.deadlineAt);
      sent.push(batch);
      this.#send(evaluation, {
        event: 'evaluation.requested',
        pack: rollout.pack,
        rolloutId: rollout.id,
        batchId: batch.id,
        traces: [...stable, ...canary].map(asRequested),
      });
    }
    return sent;
  }

  /** Starts the schedule (an unref'd timer). */
  start(): void {
    if (this.#running || this.#closed) return;
    this.#running = true;
    this.#loop();
  }

  /** Stops the schedule and the feed, and aborts deliveries in flight, waiting for them to settle. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#closed = true;
    this.#cancelTimer?.();
    this.#cancelTimer = null;
    this.#stopFeed?.();
    this.#stopFeed = null;
    for (const controller of this.#controllers) controller.abort();
    await Promise.allSettled([...this.#inFlight]);
  }

  /** Deliveries still in flight settle (tests wait on this). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.#inFlight]);
  }

  #loop(): void {
    if (!this.#running) return;
    try {
      this.tick();
    } catch (err) {
      // A failed look is logged and retried at the next one: the reservoirs are kept until a draw commits.
      this.#deps.logger?.error({ err }, 'evaluation sampling failed');
    }
    this.#schedule();
  }

  /**
   * Sleeps until the next draw or batch deadline is due (at least `tickMs`, at most a minute: a batch another
   * process sent, or one from before a restart, turns late within a minute of its deadline).
   */
  #schedule(): void {
    if (!this.#running) return;
    const { clock, batches } = this.#deps;
    const nowMs = clock.now();
    let next = nowMs + 60_000;
    for (const { rollout, evaluation } of this.#sampled.values()) {
      const last =
        this.#lastDraw.get(rollout.id) ??
        batches.summary(rollout.id).lastSentAt ??
        Date.parse(rollout.startedAt);
      next = Math.min(next, last + clock.scaleDuration(evaluation.everyMs));
    }
    for (const deadline of this.#deadlines) next = Math.min(next, deadline);
    this.#cancelTimer?.();
    this.#cancelTimer = clock.setTimer(Math.max(this.#deps.tickMs ?? 250, next - nowMs), () => {
      this.#cancelTimer = null;
      this.#loop();
    });
  }

  #send(evaluation: EvaluationSpec, request: EvaluationRequest): void {
    const body = JSON.stringify(request);
    const delivery = this.#deliver(evaluation.hook, body, request).finally(() => {
      this.#inFlight.delete(delivery);
    });
    this.#inFlight.add(delivery);
  }

  async #deliver(hook: EvaluationSpec['hook'], body: string, request: EvaluationRequest): Promise<void> {
    const doFetch = this.#deps.fetch ?? fetch;
    let problem = '';
    for (let attempt = 1; attempt <= ATTEMPTS && !this.#closed; attempt++) {
      const controller = new AbortController();
      this.#controllers.add(controller);
      const timer = setTimeout(() => controller.abort(), this.#deps.attemptTimeoutMs ?? 10_000);
      timer.unref();
      try {
        const res = await doFetch(hook.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signWebhook(body, hook.secret) },
          body,
          signal: controller.signal,
        });
        await res.body?.cancel();
        if (res.ok) {
          this.#deliveries?.inc({ outcome: 'delivered' });
          return;
        }
        problem = `HTTP ${res.status}`;
      } catch (err) {
        problem = err instanceof Error ? err.message : String(err);
      } finally {
        clearTimeout(timer);
        this.#controllers.delete(controller);
      }
      if (this.#closed) break;
      await new Promise<void>((resolve) => setTimeout(resolve, 500 * attempt).unref());
    }
    // The batch stays pending and turns late at its deadline: the finding the controller and status show.
    this.#deliveries?.inc({ outcome: 'failed' });
    this.#deps.logger?.warn(
      { pack: request.pack, rolloutId: request.rolloutId, batchId: request.batchId, problem },
      'evaluation hook request failed',
    );
  }
}

function asRequested(trace: DrawnTrace): { traceId: string; variant: string; endTime: string } {
  return { traceId: trace.traceId, variant: trace.variant, endTime: new Date(trace.endMs).toISOString() };
}
