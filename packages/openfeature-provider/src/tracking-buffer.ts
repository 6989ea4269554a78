import type { JsonValue } from '@prompt-canary/rules';
import { endpoint } from './endpoint.js';

/** One event as `POST /api/v1/track` takes it. */
export interface TrackEvent {
  readonly name: string;
  readonly flagKey: string;
  readonly variant?: string;
  /**
   * The OpenFeature reason of the evaluation that served `variant` (`SPLIT`, `TARGETING_MATCH`, …): canaryd files the
   * event under that traffic (split or segment) instead of guessing it from `attributes`.
   */
  readonly reason?: string;
  readonly targetingKey: string;
  readonly value?: number;
  readonly attributes?: Record<string, JsonValue>;
  /** ISO 8601. */
  readonly timestamp: string;
}

/** Settings of {@link TrackingBuffer}. */
export interface TrackingBufferOptions {
  readonly baseUrl: string;
  readonly token: string;
  readonly fetch: typeof fetch;
  /** Events held at most; further events are dropped and counted. */
  readonly maxBuffered: number;
  /** Events per request at most. */
  readonly maxBatchSize: number;
  /** Delay between flushes. */
  readonly flushIntervalMs: number;
  /** Called when a batch cannot be delivered; must not throw. */
  readonly onError?: (error: Error) => void;
}

/** Counters of a {@link TrackingBuffer}. */
export interface TrackingStats {
  /** Events accepted by canaryd. */
  readonly sent: number;
  /** Events dropped: buffer full, request failed, or closed. */
  readonly dropped: number;
  /** Events waiting in the buffer. */
  readonly buffered: number;
}

const TRACK_PATH = '/api/v1/track';

/**
 * Batches tracking events to canaryd's `POST /api/v1/track`. {@link TrackingBuffer.add} never blocks and never
 * throws: a full buffer drops the event and counts it. Batches go out every `flushIntervalMs` (the timer does not
 * keep the process alive) and on {@link TrackingBuffer.close}. A batch that fails is dropped and counted rather than
 * retried, so that a daemon outage cannot grow memory.
 */
export class TrackingBuffer {
  readonly #options: TrackingBufferOptions;
  #buffer: TrackEvent[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #inFlight = new Set<Promise<void>>();
  #sent = 0;
  #dropped = 0;
  #closed = false;

  constructor(options: TrackingBufferOptions) {
    this.#options = options;
  }

  /** Queues an event; drops it (counted) when the buffer is full or the buffer is closed. */
  add(event: TrackEvent): void {
    if (this.#closed || this.#buffer.length >= this.#options.maxBuffered) {
      this.#dropped += 1;
      return;
    }
    this.#buffer.push(event);
    if (this.#buffer.length >= this.#options.maxBatchSize) this.#send();
    else this.#schedule();
  }

  /** Current counters. */
  get stats(): TrackingStats {
    return { sent: this.#sent, dropped: this.#dropped, buffered: this.#buffer.length };
  }

  /** Sends everything buffered and waits for every request in flight. */
  async flush(): Promise<void> {
    while (this.#buffer.length > 0) this.#send();
    await Promise.all([...this.#inFlight]);
  }

  /** Flushes, then refuses further events. Leaves no timer behind. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      while (this.#buffer.length > 0) this.#send();
    }, this.#options.flushIntervalMs);
    this.#timer.unref?.();
  }

  #send(): void {
    const batch = this.#buffer.splice(0, this.#options.maxBatchSize);
    if (batch.length === 0) return;
    const request = this.#post(batch).finally(() => this.#inFlight.delete(request));
    this.#inFlight.add(request);
  }

  async #post(batch: TrackEvent[]): Promise<void> {
    try {
      const response = await this.#options.fetch(endpoint(this.#options.baseUrl, TRACK_PATH), {
        method: 'POST',
        headers: { authorization: `Bearer ${this.#options.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ events: batch }),
        signal: AbortSignal.timeout(10_000),
      });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`canaryd answered ${response.status} to POST ${TRACK_PATH}`);
      this.#sent += batch.length;
    } catch (error) {
      this.#dropped += batch.length;
      try {
        this.#options.onError?.(error instanceof Error ? error : new Error(String(error)));
      } catch {
        // Reporting must not turn a dropped batch into an unhandled rejection.
      }
    }
  }
}
