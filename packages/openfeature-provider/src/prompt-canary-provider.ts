import {
  ErrorCode,
  type EvaluationContext,
  type FlagValue,
  type JsonValue,
  OpenFeatureEventEmitter,
  type Provider,
  ProviderEvents,
  ProviderFatalError,
  ProviderNotReadyError,
  type ResolutionDetails,
  type TrackingEventDetails,
} from '@openfeature/server-sdk';
import type { FlagValueType, JsonValue as RulesJsonValue } from '@prompt-canary/rules';
import { type Assignment, AssignmentMemory } from './assignment-memory.js';
import { ConfigSync, type ConfigSyncListener } from './config-sync.js';
import { FlagResolver } from './flag-resolver.js';
import { type ProviderConfig, parseProviderConfig } from './provider-config.js';
import {
  type PromptCanaryProviderOptions,
  type ResolvedProviderOptions,
  resolveProviderOptions,
} from './provider-options.js';
import { TrackingBuffer, type TrackingStats } from './tracking-buffer.js';

/** The provider's name, as `feature_flag.provider.name` reports it. */
export const PROVIDER_NAME = 'prompt-canary';

type Phase = 'idle' | 'initializing' | 'waiting' | 'ready' | 'stale' | 'error' | 'fatal' | 'closed';

/** Tracking counters of a provider. */
export interface ProviderTrackingStats extends TrackingStats {
  /** `track` calls dropped because no flag could be credited (no `flagKey`, nothing served to the unit). */
  readonly unattributed: number;
}

/**
 * An OpenFeature server provider that evaluates Prompt Canary flags in-process from config pushed by canaryd.
 *
 * `initialize` fetches the config snapshot, then holds the `GET /api/v1/sync` stream (polling the snapshot when
 * streaming is unavailable); evaluations never touch the network. Through an outage it keeps serving the last config,
 * reporting `PROVIDER_STALE`, then `PROVIDER_ERROR` after `errorGracePeriod`, and `PROVIDER_READY` again once
 * canaryd answers. It never throws into the application: every failure is the caller's default with reason `ERROR`.
 *
 * @example
 * ```ts
 * await OpenFeature.setProviderAndWait(new PromptCanaryProvider({ baseUrl: 'http://localhost:4000', token }));
 * const version = await OpenFeature.getClient().getStringValue('support-prompts', '2.3.1', { targetingKey: sessionId });
 * ```
 */
export class PromptCanaryProvider implements Provider {
  /** Provider metadata; `name` is what telemetry reports as `feature_flag.provider.name`. */
  readonly metadata = { name: PROVIDER_NAME } as const;
  /** This provider is for server-side (dynamic context) use. */
  readonly runsOn = 'server' as const;
  /** Provider events, forwarded by the OpenFeature SDK to handlers. */
  readonly events = new OpenFeatureEventEmitter();

  readonly #options: ResolvedProviderOptions;
  readonly #resolver = new FlagResolver();
  readonly #memory: AssignmentMemory;
  readonly #tracking: TrackingBuffer | undefined;
  #sync: ConfigSync | undefined;
  #phase: Phase = 'idle';
  #staleSince: number | undefined;
  #graceTimer: ReturnType<typeof setTimeout> | undefined;
  #initTimer: ReturnType<typeof setTimeout> | undefined;
  #init: { resolve: () => void; reject: (error: Error) => void } | undefined;
  #lastError: Error | undefined;
  #unattributed = 0;

  /** @param options see {@link PromptCanaryProviderOptions}; invalid options throw a `TypeError` naming them. */
  constructor(options: PromptCanaryProviderOptions) {
    this.#options = resolveProviderOptions(options);
    this.#memory = new AssignmentMemory(this.#options.maxRememberedUnits);
    const tracking = this.#options.tracking;
    this.#tracking =
      tracking && !this.#options.offline
        ? new TrackingBuffer({
            baseUrl: this.#options.baseUrl,
            token: this.#options.token,
            fetch: this.#options.fetch,
            ...tracking,
            onError: (error) => this.#options.logger.warn(`tracking batch dropped: ${error.message}`),
          })
        : undefined;
  }

  /** The revision of the config being served (`feature_flag.version`), if any. */
  get revision(): string | undefined {
    return this.#resolver.revision;
  }

  /** The config being served, if any. */
  get config(): ProviderConfig | undefined {
    return this.#resolver.config;
  }

  /** Tracking counters: sent, dropped, buffered, unattributed. */
  get trackingStats(): ProviderTrackingStats {
    const stats = this.#tracking?.stats ?? { sent: 0, dropped: 0, buffered: 0 };
    return { ...stats, unattributed: this.#unattributed };
  }

  /**
   * Loads the bootstrap (if any), then waits for the first config from canaryd. Rejects with `ProviderFatalError`
   * when canaryd refuses the token, and with `ProviderNotReadyError` after `initTimeout` (sync goes on in the
   * background and `PROVIDER_READY` follows once canaryd answers). With a bootstrap it resolves at once.
   */
  async initialize(): Promise<void> {
    if (this.#phase !== 'idle') return;
    this.#phase = 'initializing';
    if (this.#options.bootstrap !== undefined) await this.#loadBootstrap();
    if (this.#options.offline) {
      if (this.#resolver.config === undefined) {
        this.#phase = 'fatal';
        throw new ProviderFatalError(`offline mode has no usable bootstrap: ${this.#lastError?.message}`);
      }
      this.#phase = 'ready';
      return;
    }
    this.#sync = new ConfigSync(
      {
        baseUrl: this.#options.baseUrl,
        token: this.#options.token,
        fetch: this.#options.fetch,
        random: this.#options.random,
        now: () => this.#options.clock.now(),
        reconnect: this.#options.reconnect,
        pollIntervalMs: this.#options.pollIntervalMs,
        streamRetryMs: this.#options.streamRetryMs,
        heartbeatTimeoutMs: this.#options.heartbeatTimeoutMs,
      },
      this.#listener,
    );
    if (this.#resolver.config !== undefined) {
      this.#phase = 'ready';
      this.#sync.start();
      return;
    }
    const ready = new Promise<void>((resolve, reject) => {
      this.#init = { resolve, reject };
    });
    this.#initTimer = setTimeout(() => {
      const cause = this.#lastError ? ` (last error: ${this.#lastError.message})` : '';
      this.#settleInit(
        new ProviderNotReadyError(
          `canaryd at ${this.#options.baseUrl} did not send a config within ${this.#options.initTimeoutMs} ms${cause}; still trying in the background, callers get their defaults until then`,
        ),
      );
      this.#phase = 'waiting';
    }, this.#options.initTimeoutMs);
    this.#sync.start();
    return ready;
  }

  /** Ends the stream, clears every timer and flushes tracking. Leaves no handle open. */
  async onClose(): Promise<void> {
    const wasInitializing = this.#phase === 'initializing';
    this.#phase = 'closed';
    this.#sync?.close();
    this.#clearGrace();
    if (wasInitializing)
      this.#settleInit(new ProviderNotReadyError('the provider was closed before it was ready'));
    await this.#tracking?.close();
  }

  /** Resolves a boolean flag locally. Never rejects. */
  resolveBooleanEvaluation(
    flagKey: string,
    defaultValue: boolean,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<boolean>> {
    return this.#settle(flagKey, 'boolean', defaultValue, context);
  }

  /** Resolves a string flag (a prompt version) locally. Never rejects. */
  resolveStringEvaluation(
    flagKey: string,
    defaultValue: string,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<string>> {
    return this.#settle(flagKey, 'string', defaultValue, context);
  }

  /** Resolves a number flag locally. Never rejects. */
  resolveNumberEvaluation(
    flagKey: string,
    defaultValue: number,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<number>> {
    return this.#settle(flagKey, 'number', defaultValue, context);
  }

  /** Resolves an object flag locally. Never rejects. */
  resolveObjectEvaluation<T extends JsonValue>(
    flagKey: string,
    defaultValue: T,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<T>> {
    return this.#settle(flagKey, 'object', defaultValue, context);
  }

  /**
   * Queues a tracking event for `POST /api/v1/track`. `details.flagKey` names the flag to credit; without it, every
   * flag served to this targeting key is credited. The variant last served to the unit, and the reason of that
   * evaluation (`SPLIT`, `TARGETING_MATCH`, …, so canaryd compares it within split or segment traffic), are included
   * when known.
   * Never blocks, never throws.
   */
  track(trackingEventName: string, context: EvaluationContext, details: TrackingEventDetails): void {
    try {
      const tracking = this.#tracking;
      if (!tracking) return;
      const targetingKey = context.targetingKey;
      const { flagKey, value, ...rest } = details;
      const credited: Array<[string, Assignment | undefined]> = [];
      if (typeof targetingKey === 'string' && targetingKey !== '') {
        if (typeof flagKey === 'string')
          credited.push([flagKey, this.#memory.assignmentOf(targetingKey, flagKey)]);
        else credited.push(...this.#memory.assignmentsOf(targetingKey));
      }
      if (credited.length === 0 || targetingKey === undefined) {
        this.#unattributed += 1;
        return;
      }
      const attributes: Record<string, RulesJsonValue> = {};
      let hasAttributes = false;
      for (const [name, attribute] of Object.entries(rest)) {
        if (attribute === undefined) continue;
        attributes[name] =
          attribute instanceof Date ? attribute.toISOString() : (attribute as RulesJsonValue);
        hasAttributes = true;
      }
      const timestamp = new Date(this.#options.clock.now()).toISOString();
      for (const [key, assignment] of credited) {
        tracking.add({
          name: trackingEventName,
          flagKey: key,
          ...(assignment === undefined ? {} : { variant: assignment.variant }),
          ...(assignment?.reason === undefined ? {} : { reason: assignment.reason }),
          targetingKey,
          ...(typeof value === 'number' ? { value } : {}),
          ...(hasAttributes ? { attributes } : {}),
          timestamp,
        });
      }
    } catch (error) {
      this.#options.logger.warn(`track(${trackingEventName}) ignored: ${(error as Error).message}`);
    }
  }

  /** Sends buffered tracking events now. */
  flushTracking(): Promise<void> {
    return this.#tracking?.flush() ?? Promise.resolve();
  }

  /** What the `resolve…Evaluation` methods answer. */
  #settle<T extends FlagValue>(
    flagKey: string,
    type: FlagValueType,
    defaultValue: T,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<T>> {
    if (this.#tracking !== undefined)
      return Promise.resolve(this.#resolve(flagKey, type, defaultValue, context));
    // Without tracking nothing is remembered per unit: a kept answer comes back as the same settled promise.
    const now = this.#options.clock.now();
    return this.#resolver.resolveSettled(flagKey, type, defaultValue, context, now, this.#serveStable(now));
  }

  /** Whether the stale fallback applies now: serve the stable version of flags with a live rollout. */
  #serveStable(now: number): boolean {
    const fallbackAfter = this.#options.staleFallbackMs;
    return (
      fallbackAfter !== undefined && this.#staleSince !== undefined && now - this.#staleSince >= fallbackAfter
    );
  }

  #resolve<T extends FlagValue>(
    flagKey: string,
    type: FlagValueType,
    defaultValue: T,
    context: EvaluationContext,
  ): ResolutionDetails<T> {
    const now = this.#options.clock.now();
    const serveStable = this.#serveStable(now);
    const resolution = this.#resolver.resolve(flagKey, type, defaultValue, context, now, serveStable);
    // The memory only serves `track`, which does nothing without tracking: skip it then.
    if (this.#tracking === undefined || resolution.variant === undefined) return resolution;
    const targetingKey = context.targetingKey;
    if (typeof targetingKey === 'string') {
      this.#memory.remember(targetingKey, flagKey, resolution.variant, resolution.reason);
    }
    return resolution;
  }

  async #loadBootstrap(): Promise<void> {
    try {
      const source = this.#options.bootstrap;
      const loaded = typeof source === 'function' ? await source() : source;
      this.#load(parseProviderConfig(loaded, 'bootstrap'));
    } catch (error) {
      this.#lastError = error as Error;
      this.#options.logger.error(`bootstrap config ignored: ${(error as Error).message}`);
    }
  }

  /** Loads a config, reporting invalid flags; throws when the set does not compile. */
  #load(config: ProviderConfig): string[] | undefined {
    const { changed, invalid } = this.#resolver.load(config);
    for (const problem of invalid) {
      this.#options.logger.error(
        `config revision ${config.revision}: invalid flag kept at its last good definition, ${problem}`,
      );
    }
    return changed;
  }

  readonly #listener: ConfigSyncListener = {
    config: (config) => {
      if (this.#phase === 'closed' || this.#phase === 'fatal') return;
      let changed: string[] | undefined;
      try {
        changed = this.#load(config);
      } catch (error) {
        this.#lastError = error as Error;
        this.#options.logger.error(
          `config revision ${config.revision} rejected, still serving ${this.#resolver.revision ?? 'nothing'}: ${(error as Error).message}`,
        );
        return;
      }
      if (this.#phase === 'initializing') {
        this.#phase = 'ready';
        this.#settleInit();
        return;
      }
      if (this.#phase === 'waiting') {
        this.#phase = 'ready';
        this.events.emit(ProviderEvents.Ready, { message: `config revision ${config.revision} received` });
        return;
      }
      this.#recover();
      if (changed !== undefined) {
        this.events.emit(ProviderEvents.ConfigurationChanged, {
          flagsChanged: changed,
          metadata: { revision: String(config.revision) },
        });
      }
    },
    connected: () => this.#recover(),
    disconnected: (error) => {
      this.#lastError = error;
      if (this.#phase !== 'ready') return;
      this.#phase = 'stale';
      this.#staleSince = this.#options.clock.now();
      this.events.emit(ProviderEvents.Stale, {
        message: `lost canaryd: ${error.message}; serving the last config`,
      });
      this.#graceTimer = setTimeout(() => {
        this.#graceTimer = undefined;
        if (this.#phase !== 'stale') return;
        this.#phase = 'error';
        this.events.emit(ProviderEvents.Error, {
          message: `no contact with canaryd for ${this.#options.errorGracePeriodMs} ms (last error: ${this.#lastError?.message}); serving revision ${this.#resolver.revision}`,
        });
      }, this.#options.errorGracePeriodMs);
    },
    unauthorized: (status) => {
      const message = `canaryd answered ${status}: the token is wrong (${status === 401 ? 'unknown or missing' : 'it lacks the evaluate scope'}); check the \`token\` option of PromptCanaryProvider`;
      this.#lastError = new Error(message);
      if (this.#phase === 'initializing' || this.#phase === 'waiting') {
        const wasWaiting = this.#phase === 'waiting';
        this.#phase = 'fatal';
        this.#sync?.close();
        if (wasWaiting)
          this.events.emit(ProviderEvents.Error, { message, errorCode: ErrorCode.PROVIDER_FATAL });
        else this.#settleInit(new ProviderFatalError(message));
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
    this.events.emit(ProviderEvents.Ready, { message: 'canaryd reachable again' });
  }

  #clearGrace(): void {
    if (this.#graceTimer !== undefined) clearTimeout(this.#graceTimer);
    this.#graceTimer = undefined;
  }

  #settleInit(error?: Error): void {
    if (this.#initTimer !== undefined) clearTimeout(this.#initTimer);
    this.#initTimer = undefined;
    const init = this.#init;
    this.#init = undefined;
    if (!init) return;
    if (error) init.reject(error);
    else init.resolve();
  }
}
