import type { TimerClock } from './clock.js';
import { ConfigSync, type ConfigSyncListener, type ConfigSyncOptions } from './config-sync.js';
import { type ProviderConfig, parseProviderConfig } from './provider-config.js';
import type { ResolvedProviderOptions } from './provider-options.js';

/**
 * Where a {@link ConfigConnection} stands. `initializing` until the first config or the init timeout, `waiting`
 * after the timeout (still trying), `ready` with contact, `stale` since contact was lost, `error` after the grace
 * period, `fatal` once canaryd refused the token before any config, `closed` for good.
 */
export type ConnectionPhase =
  | 'idle'
  | 'initializing'
  | 'waiting'
  | 'ready'
  | 'stale'
  | 'error'
  | 'fatal'
  | 'closed';

/** What serving a config did: the flags whose definitions changed (`undefined`: none), or why it was refused. */
export type AppliedConfig = { readonly changed: string[] | undefined } | { readonly rejected: Error };

/** A change of state worth a provider event; the provider turns each into its OpenFeature counterpart. */
export type ConnectionEvent =
  | { readonly type: 'ready'; readonly message: string }
  | { readonly type: 'configuration-changed'; readonly flagsChanged: string[]; readonly revision: string }
  | { readonly type: 'stale'; readonly message: string }
  | { readonly type: 'error'; readonly message: string; readonly fatal: boolean };

/** How {@link ConfigConnection.open} ended: a config is served, or why not (`fatal`: it stopped trying). */
export type OpenOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly fatal: boolean; readonly message: string };

/** What a {@link ConfigConnection} reports to its owner. Both callbacks are synchronous and must not throw. */
export interface ConnectionHandlers {
  /** Serves `config` from now on (the bootstrap or one from canaryd), or refuses it. */
  apply(config: ProviderConfig): AppliedConfig;
  /** A change of state, for the provider's events. */
  event(event: ConnectionEvent): void;
}

/** The part of a sync loop the connection drives; {@link ConfigSync} over HTTP by default. */
export interface ConfigFeed {
  /** Starts syncing in the background, reporting to the listener it was made with. */
  start(): void;
  /** Stops for good: no request in flight, no timer left. */
  close(): void;
}

/** Makes the feed that reports to `listener`; tests pass one they drive by hand. */
export type ConfigFeedFactory = (listener: ConfigSyncListener) => ConfigFeed;

/** The settings a {@link ConfigConnection} reads: the provider's, resolved. */
export type ConfigConnectionOptions = Pick<
  ResolvedProviderOptions,
  | 'baseUrl'
  | 'token'
  | 'bootstrap'
  | 'offline'
  | 'errorGracePeriodMs'
  | 'initTimeoutMs'
  | 'pollIntervalMs'
  | 'streamRetryMs'
  | 'heartbeatTimeoutMs'
  | 'reconnect'
  | 'random'
  | 'fetch'
  | 'logger'
> & { readonly clock: TimerClock };

/**
 * The provider's link to canaryd and its lifecycle: loads the bootstrap, runs the sync loop (snapshot, SSE stream,
 * polling fallback), and moves through the phases of {@link ConnectionPhase} with the init timeout and the error
 * grace period on the injected clock. It reports configs through {@link ConnectionHandlers.apply} and changes of
 * state through {@link ConnectionHandlers.event}; it never throws.
 */
export class ConfigConnection {
  readonly #options: ConfigConnectionOptions;
  readonly #handlers: ConnectionHandlers;
  readonly #createFeed: ConfigFeedFactory;
  #feed: ConfigFeed | undefined;
  #phase: ConnectionPhase = 'idle';
  #hasConfig = false;
  #revision: string | undefined;
  #staleSince: number | undefined;
  #graceTimer: unknown;
  #initTimer: unknown;
  #init: ((outcome: OpenOutcome) => void) | undefined;
  #lastError: Error | undefined;

  /**
   * @param options the provider's resolved options
   * @param handlers where configs and changes of state go
   * @param createFeed the sync loop; default {@link ConfigSync} against `options.baseUrl`
   */
  constructor(
    options: ConfigConnectionOptions,
    handlers: ConnectionHandlers,
    createFeed: ConfigFeedFactory = (listener) => new ConfigSync(syncOptions(options), listener),
  ) {
    this.#options = options;
    this.#handlers = handlers;
    this.#createFeed = createFeed;
  }

  /** The current phase. */
  get phase(): ConnectionPhase {
    return this.#phase;
  }

  /** When contact with canaryd was lost (clock milliseconds), while `stale` or `error`. */
  get staleSince(): number | undefined {
    return this.#staleSince;
  }

  /**
   * Loads the bootstrap (if any), then starts syncing. Resolves `ok` once a config is served: at once with a
   * bootstrap, otherwise with the first config from canaryd. Without one after `initTimeoutMs` it resolves not ok
   * and goes on trying (a `ready` event follows when canaryd answers); a refused token before any config is fatal.
   * A second call resolves `ok` at once.
   */
  async open(): Promise<OpenOutcome> {
    if (this.#phase !== 'idle') return { ok: true };
    this.#phase = 'initializing';
    if (this.#options.bootstrap !== undefined) await this.#loadBootstrap();
    // `close` may have run while the bootstrap loaded: start nothing then.
    if (this.phase === 'closed') return notReady('the provider was closed before it was ready');
    if (this.#options.offline) {
      if (!this.#hasConfig) {
        this.#phase = 'fatal';
        return {
          ok: false,
          fatal: true,
          message: `offline mode has no usable bootstrap: ${this.#lastError?.message}`,
        };
      }
      this.#phase = 'ready';
      return { ok: true };
    }
    this.#feed = this.#createFeed(this.#listener);
    if (this.#hasConfig) {
      this.#phase = 'ready';
      this.#feed.start();
      return { ok: true };
    }
    const opened = new Promise<OpenOutcome>((resolve) => {
      this.#init = resolve;
    });
    this.#initTimer = this.#options.clock.setTimeout(() => {
      this.#initTimer = undefined;
      const cause = this.#lastError ? ` (last error: ${this.#lastError.message})` : '';
      this.#settleInit(
        notReady(
          `canaryd at ${this.#options.baseUrl} did not send a config within ${this.#options.initTimeoutMs} ms${cause}; still trying in the background, callers get their defaults until then`,
        ),
      );
      this.#phase = 'waiting';
    }, this.#options.initTimeoutMs);
    this.#feed.start();
    return opened;
  }

  /** Stops syncing and clears every timer; an `open` still pending resolves not ok. */
  close(): void {
    const wasInitializing = this.#phase === 'initializing';
    this.#phase = 'closed';
    this.#feed?.close();
    this.#clearGrace();
    if (wasInitializing) this.#settleInit(notReady('the provider was closed before it was ready'));
  }

  async #loadBootstrap(): Promise<void> {
    try {
      const source = this.#options.bootstrap;
      const loaded = typeof source === 'function' ? await source() : source;
      const config = parseProviderConfig(loaded, 'bootstrap');
      const applied = this.#handlers.apply(config);
      if ('rejected' in applied) throw applied.rejected;
      this.#served(String(config.revision));
    } catch (error) {
      this.#lastError = error as Error;
      this.#options.logger.error(`bootstrap config ignored: ${(error as Error).message}`);
    }
  }

  #served(revision: string): void {
    this.#hasConfig = true;
    this.#revision = revision;
  }

  readonly #listener: ConfigSyncListener = {
    config: (config) => {
      if (this.#phase === 'closed' || this.#phase === 'fatal') return;
      const applied = this.#handlers.apply(config);
      if ('rejected' in applied) {
        this.#lastError = applied.rejected;
        this.#options.logger.error(
          `config revision ${config.revision} rejected, still serving ${this.#revision ?? 'nothing'}: ${applied.rejected.message}`,
        );
        return;
      }
      this.#served(String(config.revision));
      if (this.#phase === 'initializing') {
        this.#phase = 'ready';
        this.#settleInit({ ok: true });
        return;
      }
      if (this.#phase === 'waiting') {
        this.#phase = 'ready';
        this.#handlers.event({ type: 'ready', message: `config revision ${config.revision} received` });
        return;
      }
      this.#recover();
      if (applied.changed !== undefined) {
        this.#handlers.event({
          type: 'configuration-changed',
          flagsChanged: applied.changed,
          revision: String(config.revision),
        });
      }
    },
    connected: () => this.#recover(),
    disconnected: (error) => {
      this.#lastError = error;
      if (this.#phase !== 'ready') return;
      this.#phase = 'stale';
      this.#staleSince = this.#options.clock.now();
      this.#handlers.event({
        type: 'stale',
        message: `lost canaryd: ${error.message}; serving the last config`,
      });
      this.#graceTimer = this.#options.clock.setTimeout(() => {
        this.#graceTimer = undefined;
        if (this.#phase !== 'stale') return;
        this.#phase = 'error';
        this.#handlers.event({
          type: 'error',
          fatal: false,
          message: `no contact with canaryd for ${this.#options.errorGracePeriodMs} ms (last error: ${this.#lastError?.message}); serving revision ${this.#revision}`,
        });
      }, this.#options.errorGracePeriodMs);
    },
    unauthorized: (status) => {
      const message = `canaryd answered ${status}: the token is wrong (${status === 401 ? 'unknown or missing' : 'it lacks the evaluate scope'}); check the \`token\` option of PromptCanaryProvider`;
      this.#lastError = new Error(message);
      if (this.#phase === 'initializing' || this.#phase === 'waiting') {
        const wasWaiting = this.#phase === 'waiting';
        this.#phase = 'fatal';
        this.#feed?.close();
        if (wasWaiting) this.#handlers.event({ type: 'error', message, fatal: true });
        else this.#settleInit({ ok: false, fatal: true, message });
        return;
      }
      this.#options.logger.error(message);
      this.#listener.disconnected(new Error(message));
    },
  };

  #recover(): void {
    if (this.#phase !== 'stale' && this.#phase !== 'error') return;
    this.#phase = 'ready';
    this.#staleSince = undefined;
    this.#clearGrace();
    this.#handlers.event({ type: 'ready', message: 'canaryd reachable again' });
  }

  #clearGrace(): void {
    if (this.#graceTimer !== undefined) this.#options.clock.clearTimeout(this.#graceTimer);
    this.#graceTimer = undefined;
  }

  #settleInit(outcome: OpenOutcome): void {
    if (this.#initTimer !== undefined) this.#options.clock.clearTimeout(this.#initTimer);
    this.#initTimer = undefined;
    const init = this.#init;
    this.#init = undefined;
    init?.(outcome);
  }
}

function notReady(message: string): OpenOutcome {
  return { ok: false, fatal: false, message };
}

function syncOptions(options: ConfigConnectionOptions): ConfigSyncOptions {
  return {
    baseUrl: options.baseUrl,
    token: options.token,
    fetch: options.fetch,
    random: options.random,
    clock: options.clock,
    reconnect: options.reconnect,
    pollIntervalMs: options.pollIntervalMs,
    streamRetryMs: options.streamRetryMs,
    heartbeatTimeoutMs: options.heartbeatTimeoutMs,
  };
}
