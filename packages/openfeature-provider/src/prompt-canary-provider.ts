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
import { type AppliedConfig, ConfigConnection, type ConnectionEvent } from './config-connection.js';
import { BUNDLE_OF_METADATA_KEY } from './feature-flag-attributes.js';
import { FlagResolver } from './flag-resolver.js';
import type { ProviderConfig } from './provider-config.js';
import {
  type PromptCanaryProviderOptions,
  type ResolvedProviderOptions,
  resolveProviderOptions,
} from './provider-options.js';
import { TrackingBuffer, type TrackingStats } from './tracking-buffer.js';

/** The provider's name, as `feature_flag.provider.name` reports it. */
export const PROVIDER_NAME = 'prompt-canary';

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
  readonly #connection: ConfigConnection;
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
    this.#connection = new ConfigConnection(this.#options, {
      apply: (config) => this.#apply(config),
      event: (event) => this.#emit(event),
    });
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
    const outcome = await this.#connection.open();
    if (outcome.ok) return;
    throw outcome.fatal
      ? new ProviderFatalError(outcome.message)
      : new ProviderNotReadyError(outcome.message);
  }

  /** Ends the stream, clears every timer and flushes tracking. Leaves no handle open. */
  async onClose(): Promise<void> {
    this.#connection.close();
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
    const staleSince = this.#connection.staleSince;
    return fallbackAfter !== undefined && staleSince !== undefined && now - staleSince >= fallbackAfter;
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
      // A companion flag's assignment is its pack's: feedback tracked against the pack credits that version.
      const pack = resolution.flagMetadata?.[BUNDLE_OF_METADATA_KEY];
      const credited = typeof pack === 'string' && pack !== '' ? pack : flagKey;
      this.#memory.remember(targetingKey, credited, resolution.variant, resolution.reason);
    }
    return resolution;
  }

  /** Serves `config`, reporting invalid flags; refuses it when the set as a whole does not compile. */
  #apply(config: ProviderConfig): AppliedConfig {
    try {
      const { changed, invalid } = this.#resolver.load(config);
      for (const problem of invalid) {
        this.#options.logger.error(
          `config revision ${config.revision}: invalid flag kept at its last good definition, ${problem}`,
        );
      }
      return { changed };
    } catch (error) {
      return { rejected: error as Error };
    }
  }

  /** Turns a change of the connection's state into the OpenFeature provider event. */
  #emit(event: ConnectionEvent): void {
    switch (event.type) {
      case 'ready':
        this.events.emit(ProviderEvents.Ready, { message: event.message });
        return;
      case 'configuration-changed':
        this.events.emit(ProviderEvents.ConfigurationChanged, {
          flagsChanged: event.flagsChanged,
          metadata: { revision: event.revision },
        });
        return;
      case 'stale':
        this.events.emit(ProviderEvents.Stale, { message: event.message });
        return;
      case 'error':
        this.events.emit(
          ProviderEvents.Error,
          event.fatal
            ? { message: event.message, errorCode: ErrorCode.PROVIDER_FATAL }
            : { message: event.message },
        );
        return;
    }
  }
}
