import type { Logger } from '@openfeature/server-sdk';
import { type Clock, SystemClock, type TimerClock, withTimers } from './clock.js';
import { type Duration, toMilliseconds } from './duration.js';
import type { ProviderConfig } from './provider-config.js';

/**
 * A config document to start from: the object `GET /api/v1/config` returns, its JSON text, or a function that
 * loads either (see `configFile` in `@prompt-canary/openfeature-provider/config-file`).
 */
export type ConfigSource =
  | ProviderConfig
  | string
  | (() => ProviderConfig | string | Promise<ProviderConfig | string>);

/** Options of `PromptCanaryProvider`. Durations are milliseconds or text such as `'30s'`, `'10m'`. */
export interface PromptCanaryProviderOptions {
  /** canaryd's base URL, e.g. `http://localhost:4000`. Required unless `offline`. */
  baseUrl?: string;
  /** A token with the `evaluate` scope (and `ingest` for tracking). Required unless `offline`. */
  token?: string;
  /** Config to serve before the first sync, so that `initialize` resolves without waiting for canaryd. */
  bootstrap?: ConfigSource;
  /** Serve `bootstrap` only, with no network at all. */
  offline?: boolean;
  /**
   * After this long without contact with canaryd, flags with a live rollout (metadata `stableVersion`) serve their
   * stable version with reason `STALE`: a canary nobody can roll back should not keep its traffic. Off by default.
   */
  staleFallback?: Duration;
  /** How long the provider stays `STALE` after losing canaryd before it reports `PROVIDER_ERROR`. Default `'30s'`. */
  errorGracePeriod?: Duration;
  /** How long `initialize` waits for the first config before it rejects (sync goes on). Default `'10s'`. */
  initTimeout?: Duration;
  /** Poll interval when streaming is unavailable. Default `'30s'`. */
  pollInterval?: Duration;
  /** While polling, how often to try the stream again. Default `'5m'`. */
  streamRetryInterval?: Duration;
  /** A stream silent this long is reconnected (canaryd pings every 15 s). Default `'45s'`. */
  heartbeatTimeout?: Duration;
  /** Reconnect delays: jittered exponential backoff from `initial` up to `max`. Default `'500ms'` to `'30s'`. */
  reconnectDelay?: { initial?: Duration; max?: Duration };
  /** Tracking settings, or `false` to ignore `track` calls. */
  tracking?: false | { maxBuffered?: number; maxBatchSize?: number; flushInterval?: Duration };
  /** Units (targeting keys) whose last variant per flag is remembered for tracking. Default 10 000. */
  maxRememberedUnits?: number;
  /**
   * Clock for evaluations, staleness and the connection's timers (init timeout, grace period, reconnects). Default:
   * the system clock. A clock with `now` only keeps the system's timers.
   */
  clock?: Clock;
  /** Randomness for backoff jitter. Default `Math.random`. */
  random?: () => number;
  /** HTTP client. Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Where problems are reported. Default: warnings and errors to the console. */
  logger?: Logger;
}

/** Options with defaults applied and durations in milliseconds. */
export interface ResolvedProviderOptions {
  readonly baseUrl: string;
  readonly token: string;
  readonly bootstrap: ConfigSource | undefined;
  readonly offline: boolean;
  readonly staleFallbackMs: number | undefined;
  readonly errorGracePeriodMs: number;
  readonly initTimeoutMs: number;
  readonly pollIntervalMs: number;
  readonly streamRetryMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly reconnect: { readonly initialMs: number; readonly maxMs: number };
  readonly tracking: { maxBuffered: number; maxBatchSize: number; flushIntervalMs: number } | undefined;
  readonly maxRememberedUnits: number;
  readonly clock: TimerClock;
  readonly random: () => number;
  readonly fetch: typeof fetch;
  readonly logger: Logger;
}

const consoleLogger: Logger = {
  error: (...args) => console.error('[prompt-canary]', ...args),
  warn: (...args) => console.warn('[prompt-canary]', ...args),
  info: () => undefined,
  debug: () => undefined,
};

/** Applies defaults and checks the options; throws a `TypeError` naming the option on invalid configuration. */
export function resolveProviderOptions(options: PromptCanaryProviderOptions): ResolvedProviderOptions {
  const offline = options.offline === true;
  if (!offline && (typeof options.baseUrl !== 'string' || options.baseUrl === '')) {
    throw new TypeError(
      'PromptCanaryProvider needs `baseUrl` (canaryd, e.g. http://localhost:4000) unless `offline`',
    );
  }
  if (!offline && (typeof options.token !== 'string' || options.token === '')) {
    throw new TypeError(
      'PromptCanaryProvider needs `token` (a canaryd token with the evaluate scope) unless `offline`',
    );
  }
  if (offline && options.bootstrap === undefined) {
    throw new TypeError('PromptCanaryProvider `offline` mode needs `bootstrap` (the config to serve)');
  }
  const tracking = options.tracking === false ? undefined : (options.tracking ?? {});
  return {
    baseUrl: options.baseUrl ?? '',
    token: options.token ?? '',
    bootstrap: options.bootstrap,
    offline,
    staleFallbackMs:
      options.staleFallback === undefined
        ? undefined
        : toMilliseconds(options.staleFallback, 'staleFallback'),
    errorGracePeriodMs: toMilliseconds(options.errorGracePeriod ?? '30s', 'errorGracePeriod'),
    initTimeoutMs: toMilliseconds(options.initTimeout ?? '10s', 'initTimeout'),
    pollIntervalMs: toMilliseconds(options.pollInterval ?? '30s', 'pollInterval'),
    streamRetryMs: toMilliseconds(options.streamRetryInterval ?? '5m', 'streamRetryInterval'),
    heartbeatTimeoutMs: toMilliseconds(options.heartbeatTimeout ?? '45s', 'heartbeatTimeout'),
    reconnect: {
      initialMs: toMilliseconds(options.reconnectDelay?.initial ?? '500ms', 'reconnectDelay.initial'),
      maxMs: toMilliseconds(options.reconnectDelay?.max ?? '30s', 'reconnectDelay.max'),
    },
    tracking: tracking && {
      maxBuffered: tracking.maxBuffered ?? 10_000,
      maxBatchSize: tracking.maxBatchSize ?? 500,
      flushIntervalMs: toMilliseconds(tracking.flushInterval ?? '5s', 'tracking.flushInterval'),
    },
    maxRememberedUnits: options.maxRememberedUnits ?? 10_000,
    clock: options.clock === undefined ? new SystemClock() : withTimers(options.clock),
    random: options.random ?? Math.random,
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    logger: options.logger ?? consoleLogger,
  };
}
