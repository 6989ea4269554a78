import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { Backoff, type BackoffOptions } from './backoff.js';
import { BundleCache } from './bundle-cache.js';
import type { TimerClock } from './clock.js';
import { endpoint } from './endpoint.js';
import { MissingBundlesError, type ProviderConfig, parseProviderConfig } from './provider-config.js';

/** How config currently reaches the provider. */
export type SyncTransport = 'stream' | 'poll';

/** What {@link ConfigSync} reports to its owner. Every callback is synchronous and must not throw. */
export interface ConfigSyncListener {
  /** A config document arrived (from the snapshot, a stream event or a poll). */
  config(config: ProviderConfig): void;
  /** The source answers again: the stream is open, or a poll succeeded. */
  connected(transport: SyncTransport): void;
  /** The source stopped answering (network error, 5xx, stream closed or silent). */
  disconnected(error: Error): void;
  /** The source rejected the token (401 or 403). */
  unauthorized(status: number, error: Error): void;
}

/** Settings of {@link ConfigSync}; `ConfigConnection` fills them from the provider's options. */
export interface ConfigSyncOptions {
  readonly baseUrl: string;
  readonly token: string;
  readonly fetch: typeof fetch;
  readonly random: () => number;
  /** Wall clock (when to retry the stream while polling) and timers (delays, heartbeat, request timeout). */
  readonly clock: TimerClock;
  readonly reconnect: BackoffOptions;
  /** Delay between two snapshot polls when streaming is unavailable. */
  readonly pollIntervalMs: number;
  /** While polling, how often to try the stream again. */
  readonly streamRetryMs: number;
  /** A stream silent for this long (no event, no ping) is considered dead. */
  readonly heartbeatTimeoutMs: number;
}

/** An HTTP answer that was not the expected one. */
export class SyncHttpError extends Error {
  override readonly name = 'SyncHttpError';

  constructor(
    readonly status: number,
    path: string,
  ) {
    super(`canaryd answered ${status} to ${path}`);
  }
}

type StreamOutcome =
  | { kind: 'ended'; error: Error }
  | { kind: 'unavailable' }
  | { kind: 'unauthorized'; status: number; error: Error };

const STREAM_UNAVAILABLE = new Set([404, 405, 406, 501]);
const CONFIG_PATH = '/api/v1/config';
const SYNC_PATH = '/api/v1/sync';

/**
 * Keeps a provider's config in step with canaryd: the snapshot first (`GET /api/v1/config`), then the SSE stream
 * (`GET /api/v1/sync`), reconnecting with jittered backoff and `Last-Event-ID`; when the stream is unavailable (404,
 * not `text/event-stream`, or a proxy that never lets a byte through) it polls the snapshot with `If-None-Match`,
 * trying the stream again now and then. {@link ConfigSync.close} aborts the request in flight and clears every timer.
 */
export class ConfigSync {
  readonly #options: ConfigSyncOptions;
  readonly #listener: ConfigSyncListener;
  readonly #backoff: Backoff;
  #closed = false;
  #running = false;
  #abort: AbortController | undefined;
  #sleepTimer: unknown;
  #wake: (() => void) | undefined;
  #etag: string | undefined;
  #lastEventId: string | undefined;
  #transport: 'snapshot' | SyncTransport = 'snapshot';
  /** Version bundles received on this connection, by hash (canaryd sends each once per stream). */
  readonly #bundles = new BundleCache();
  #refetch: AbortController | undefined;
  #pollingSince = 0;

  constructor(options: ConfigSyncOptions, listener: ConfigSyncListener) {
    this.#options = options;
    this.#listener = listener;
    this.#backoff = new Backoff(options.reconnect, options.random);
  }

  /** Starts the loop (snapshot, then stream or polling) in the background. */
  start(): void {
    if (this.#running || this.#closed) return;
    this.#running = true;
    void this.#loop();
  }

  /** Stops syncing for good: aborts the request in flight and clears timers. */
  close(): void {
    this.#closed = true;
    this.#abort?.abort();
    this.#refetch?.abort();
    if (this.#sleepTimer !== undefined) this.#options.clock.clearTimeout(this.#sleepTimer);
    this.#wake?.();
  }

  #url(path: string): string {
    return endpoint(this.#options.baseUrl, path);
  }

  async #loop(): Promise<void> {
    while (!this.#closed) {
      let delay: number;
      if (this.#transport === 'stream') delay = await this.#streamOnce();
      else delay = await this.#snapshotOnce();
      if (delay > 0) await this.#sleep(delay);
    }
  }

  /** One snapshot fetch (initial or poll); returns the delay before the next step. */
  async #snapshotOnce(): Promise<number> {
    const polling = this.#transport === 'poll';
    try {
      const config = await this.#fetchSnapshot();
      if (this.#closed) return 0;
      this.#backoff.reset();
      if (config) {
        this.#lastEventId = String(config.revision);
        this.#listener.config(config);
      }
      if (!polling) {
        this.#transport = 'stream';
        return 0;
      }
      this.#listener.connected('poll');
      if (this.#options.clock.now() - this.#pollingSince >= this.#options.streamRetryMs) {
        this.#transport = 'stream';
        return 0;
      }
      return this.#options.pollIntervalMs;
    } catch (error) {
      if (this.#closed) return 0;
      const err = asError(error);
      if (err instanceof SyncHttpError && (err.status === 401 || err.status === 403)) {
        this.#listener.unauthorized(err.status, err);
        return this.#options.reconnect.maxMs;
      }
      this.#listener.disconnected(err);
      return polling ? Math.max(this.#backoff.next(), this.#options.pollIntervalMs) : this.#backoff.next();
    }
  }

  async #fetchSnapshot(whole = false): Promise<ProviderConfig | undefined> {
    const controller = new AbortController();
    if (whole) this.#refetch = controller;
    else this.#abort = controller;
    const clock = this.#options.clock;
    const timer = clock.setTimeout(() => controller.abort(new Error('snapshot request timed out')), 30_000);
    try {
      const headers: Record<string, string> = {
        authorization: `Bearer ${this.#options.token}`,
        accept: 'application/json',
      };
      if (this.#etag !== undefined && !whole) headers['if-none-match'] = this.#etag;
      const response = await this.#options.fetch(this.#url(CONFIG_PATH), {
        headers,
        signal: controller.signal,
      });
      if (response.status === 304) {
        await response.body?.cancel();
        return undefined;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new SyncHttpError(response.status, CONFIG_PATH);
      }
      const config = parseProviderConfig(await response.json(), `GET ${CONFIG_PATH}`, this.#bundles);
      this.#etag = response.headers.get('etag') ?? undefined;
      return config;
    } finally {
      clock.clearTimeout(timer);
    }
  }

  /** Holds the stream until it ends; returns the delay before the next step. */
  async #streamOnce(): Promise<number> {
    const outcome = await this.#stream();
    if (this.#closed) return 0;
    switch (outcome.kind) {
      case 'unavailable':
        this.#transport = 'poll';
        this.#pollingSince = this.#options.clock.now();
        return 0;
      case 'unauthorized':
        this.#listener.unauthorized(outcome.status, outcome.error);
        return this.#options.reconnect.maxMs;
      case 'ended':
        this.#listener.disconnected(outcome.error);
        return this.#backoff.next();
    }
  }

  async #stream(): Promise<StreamOutcome> {
    const controller = new AbortController();
    this.#abort = controller;
    const clock = this.#options.clock;
    let watchdog: unknown;
    let heardAnything = false;
    const arm = (): void => {
      if (watchdog !== undefined) clock.clearTimeout(watchdog);
      watchdog = clock.setTimeout(
        () => controller.abort(new Error('the sync stream went silent')),
        this.#options.heartbeatTimeoutMs,
      );
    };
    try {
      const headers: Record<string, string> = {
        authorization: `Bearer ${this.#options.token}`,
        accept: 'text/event-stream',
      };
      if (this.#lastEventId !== undefined) headers['last-event-id'] = this.#lastEventId;
      arm();
      const response = await this.#options.fetch(this.#url(SYNC_PATH), {
        headers,
        signal: controller.signal,
      });
      const contentType = response.headers.get('content-type') ?? '';
      if (response.status === 401 || response.status === 403) {
        await response.body?.cancel();
        return {
          kind: 'unauthorized',
          status: response.status,
          error: new SyncHttpError(response.status, SYNC_PATH),
        };
      }
      if (
        STREAM_UNAVAILABLE.has(response.status) ||
        (response.ok && !contentType.includes('text/event-stream'))
      ) {
        await response.body?.cancel();
        return { kind: 'unavailable' };
      }
      if (!response.ok || response.body === null) {
        await response.body?.cancel();
        return { kind: 'ended', error: new SyncHttpError(response.status, SYNC_PATH) };
      }
      this.#listener.connected('stream');
      const parser = createParser({
        onEvent: (message) => this.#onEvent(message),
        onComment: () => undefined,
      });
      const decoder = new TextDecoder();
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (!heardAnything) {
          heardAnything = true;
          this.#backoff.reset();
        }
        arm();
        parser.feed(decoder.decode(value, { stream: true }));
      }
      return { kind: 'ended', error: new Error('canaryd closed the sync stream') };
    } catch (error) {
      // A stream that opened but never let a byte through sits behind a buffering proxy: poll instead.
      if (controller.signal.aborted && !this.#closed && !heardAnything && this.#isSilence(controller)) {
        return { kind: 'unavailable' };
      }
      return { kind: 'ended', error: asError(controller.signal.aborted ? controller.signal.reason : error) };
    } finally {
      if (watchdog !== undefined) clock.clearTimeout(watchdog);
      if (!controller.signal.aborted) controller.abort();
    }
  }

  #isSilence(controller: AbortController): boolean {
    const reason: unknown = controller.signal.reason;
    return reason instanceof Error && reason.message === 'the sync stream went silent';
  }

  #onEvent(message: EventSourceMessage): void {
    if (message.event !== 'config' || this.#closed) return;
    let config: ProviderConfig;
    try {
      config = parseProviderConfig(message.data, `GET ${SYNC_PATH}`, this.#bundles);
    } catch (error) {
      // A bundle this connection never received (an event missed across a reconnect): fetch the whole document.
      if (error instanceof MissingBundlesError) void this.#refetchWhole();
      else this.#listener.disconnected(asError(error));
      return;
    }
    if (message.id !== undefined && message.id !== '') this.#lastEventId = message.id;
    this.#listener.config(config);
  }

  /** Fetches the whole snapshot (every bundle) once, beside the stream; a failure waits for the next event. */
  async #refetchWhole(): Promise<void> {
    if (this.#refetch !== undefined) return;
    try {
      const config = await this.#fetchSnapshot(true);
      if (config && !this.#closed) {
        this.#lastEventId = String(config.revision);
        this.#listener.config(config);
      }
    } catch (error) {
      if (!this.#closed) this.#listener.disconnected(asError(error));
    } finally {
      this.#refetch = undefined;
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.#closed) {
        resolve();
        return;
      }
      this.#wake = resolve;
      this.#sleepTimer = this.#options.clock.setTimeout(() => {
        this.#sleepTimer = undefined;
        this.#wake = undefined;
        resolve();
      }, ms);
    });
  }
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
