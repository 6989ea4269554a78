import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { AuditEntry } from '../audit/audit-store.js';
import type { ChangeEvent } from '../changes/change-feed.js';
import { type ChangeDeps, commitChange } from '../changes/commit-change.js';
import type { NotifyTarget } from '../packs/prompt-pack.js';
import type { RolloutStore } from '../rollouts/rollout-store.js';
import { SIGNATURE_HEADER, signWebhook } from './sign-webhook.js';
import { type WebhookPayload, webhookEventOf, webhookPayload } from './webhook-event.js';

/** Retry policy of deliveries: attempts `1..attempts`, waiting `baseDelayMs · 2^(n−1)` (capped) between them. */
export interface RetryPolicy {
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Per attempt. */
  readonly timeoutMs: number;
}

/** Default: 5 attempts over about 15 s, each given 5 s. */
export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  timeoutMs: 5000,
};

/** What {@link WebhookNotifier} needs. */
export interface WebhookNotifierDeps {
  /** Store, change feed and clock: the notifier follows the feed and audits failed deliveries. */
  readonly changes: ChangeDeps;
  readonly rollouts: RolloutStore;
  readonly logger?: Logger;
  readonly registry?: Registry;
  readonly retry?: Partial<RetryPolicy>;
  /** Default: the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** Real-time delays between attempts (retries follow wall-clock time, not the time scale). */
  readonly setTimer?: (delayMs: number, fn: () => void) => () => void;
}

function realTimer(delayMs: number, fn: () => void): () => void {
  const handle = setTimeout(fn, delayMs);
  handle.unref();
  return () => clearTimeout(handle);
}

/** Where a delivery went, without query string or credentials (they may carry secrets). */
function safeTarget(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return 'invalid-url';
  }
}

/**
 * Signed webhooks for rollout transitions. Follows the change feed, so operators' actions, applies and the
 * controller's decisions are all announced; each `notify` target of the rollout's pack gets a JSON POST with
 * `X-Canary-Signature`, retried with exponential backoff. Deliveries run in the background and never block the
 * caller; a delivery that fails every attempt is written to the audit log (`webhook.failed`) and counted in
 * `canaryd_webhook_deliveries_total`.
 */
export class WebhookNotifier {
  readonly #deps: WebhookNotifierDeps;
  readonly #retry: RetryPolicy;
  readonly #deliveries: Counter<'event' | 'outcome'> | undefined;
  readonly #pending = new Set<() => void>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #controllers = new Set<AbortController>();
  #stopFeed: (() => void) | null = null;
  #closed = false;

  constructor(deps: WebhookNotifierDeps) {
    this.#deps = deps;
    this.#retry = { ...DEFAULT_RETRY, ...deps.retry };
    this.#deliveries =
      deps.registry === undefined
        ? undefined
        : new Counter({
            name: 'canaryd_webhook_deliveries_total',
            help: 'Webhook delivery attempts by event and outcome (delivered, retried, failed)',
            labelNames: ['event', 'outcome'],
            registers: [deps.registry],
          });
  }

  /** Starts following the change feed. */
  start(): void {
    if (this.#stopFeed !== null || this.#closed) return;
    this.#stopFeed = this.#deps.changes.feed.subscribe((event) => this.#onChange(event));
  }

  /** Stops following the feed, cancels waiting retries and aborts deliveries in flight. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#stopFeed?.();
    this.#stopFeed = null;
    for (const cancel of this.#pending) cancel();
    this.#pending.clear();
    for (const controller of this.#controllers) controller.abort();
    await Promise.allSettled([...this.#inFlight]);
  }

  /** Resolves once every delivery started so far has succeeded or given up (tests). */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /**
   * Delivers a rollback drill's `rollout.drill` payload to `targets` now, with the same signing and retries as any
   * delivery, and resolves once each target has answered or given up: the drill reports what reached whom.
   */
  async deliverNow(
    targets: readonly NotifyTarget[],
    payload: WebhookPayload,
  ): Promise<{ delivered: number; failed: string[] }> {
    const outcomes = await Promise.all(
      targets.map(async (target) => {
        const delivery = this.#deliver(target, payload);
        this.#track(delivery.then(() => undefined));
        return { target: safeTarget(target.url), ok: await delivery };
      }),
    );
    return {
      delivered: outcomes.filter((o) => o.ok).length,
      failed: outcomes.filter((o) => !o.ok).map((o) => o.target),
    };
  }

  #onChange(event: ChangeEvent): void {
    // The replica that committed a change announces it; the others hear it too but must not send it again.
    if (event.remote === true) return;
    const payload = this.#payloadOf(event.audit);
    if (payload === null || payload.rolloutId === null) return;
    const rollout = this.#deps.rollouts.get(payload.rolloutId);
    for (const target of rollout?.spec.notify ?? []) {
      this.#track(this.#deliver(target, payload).then(() => undefined));
    }
  }

  #payloadOf(audit: AuditEntry): WebhookPayload | null {
    const { rollouts } = this.#deps;
    let rollout: ReturnType<RolloutStore['get']>;
    if (audit.action.startsWith('rollout.') && audit.target.startsWith('rollout:')) {
      rollout = rollouts.get(audit.target.slice('rollout:'.length));
    } else if (audit.action === 'pack.apply' && audit.pack !== null) {
      rollout = rollouts.list({ pack: audit.pack })[0];
    }
    if (rollout === undefined || rollout.spec.notify.length === 0) return null;
    const entry = rollouts.timeline(rollout.id).at(-1);
    // An apply that started or rolled back nothing (an update) leaves an older entry last: nothing to announce.
    if (entry === undefined || Math.abs(Date.parse(entry.at) - Date.parse(audit.at)) > 1000) return null;
    const name = webhookEventOf(rollout, entry, audit.action);
    return name === null ? null : webhookPayload(rollout, entry, name);
  }

  #track(delivery: Promise<void>): void {
    this.#inFlight.add(delivery);
    void delivery.finally(() => this.#inFlight.delete(delivery));
  }

  /** Delivers with retries; resolves `true` once delivered, `false` when every attempt failed (or on close). */
  async #deliver(target: NotifyTarget, payload: WebhookPayload): Promise<boolean> {
    const body = JSON.stringify(payload);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'canaryd-webhooks',
      'x-canary-event': payload.event,
    };
    if (target.secret !== undefined)
      headers[SIGNATURE_HEADER.toLowerCase()] = signWebhook(body, target.secret);
    let problem = '';
    for (let attempt = 1; attempt <= this.#retry.attempts && !this.#closed; attempt++) {
      problem = await this.#attempt(target.url, headers, body);
      if (problem === '') {
        this.#deliveries?.inc({ event: payload.event, outcome: 'delivered' });
        return true;
      }
      if (attempt === this.#retry.attempts) break;
      this.#deliveries?.inc({ event: payload.event, outcome: 'retried' });
      const delay = Math.min(this.#retry.maxDelayMs, this.#retry.baseDelayMs * 2 ** (attempt - 1));
      await this.#sleep(delay);
    }
    if (this.#closed) return false;
    this.#deliveries?.inc({ event: payload.event, outcome: 'failed' });
    this.#recordFailure(target, payload, problem);
    return false;
  }

  async #attempt(url: string, headers: Record<string, string>, body: string): Promise<string> {
    const controller = new AbortController();
    this.#controllers.add(controller);
    const cancel = realTimer(this.#retry.timeoutMs, () => controller.abort());
    try {
      const res = await (this.#deps.fetch ?? fetch)(url, {
        method: 'POST',
        headers,
        body,
        signal: controller.signal,
      });
      await res.arrayBuffer().catch(() => undefined);
      return res.ok ? '' : `HTTP ${res.status}`;
    } catch (error) {
      return controller.signal.aborted ? 'timed out' : (error as Error).message;
    } finally {
      cancel();
      this.#controllers.delete(controller);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const cancel = (this.#deps.setTimer ?? realTimer)(ms, () => {
        this.#pending.delete(wake);
        resolve();
      });
      const wake = () => {
        cancel();
        resolve();
      };
      this.#pending.add(wake);
    });
  }

  #recordFailure(target: NotifyTarget, payload: WebhookPayload, problem: string): void {
    const where = safeTarget(target.url);
    const reason = `${payload.event} to ${where} failed after ${this.#retry.attempts} attempts: ${problem}`;
    this.#deps.logger?.warn(
      { rollout: payload.rolloutId, target: where, problem },
      'webhook delivery failed',
    );
    try {
      commitChange(
        this.#deps.changes,
        {
          actor: 'controller',
          action: 'webhook.failed',
          target: `webhook:${where}`,
          pack: payload.pack,
          reason,
          after: { event: payload.event, rolloutId: payload.rolloutId },
          configChanged: false,
        },
        () => undefined,
      );
    } catch (err) {
      this.#deps.logger?.error({ err }, 'recording a failed webhook delivery failed');
    }
  }
}
