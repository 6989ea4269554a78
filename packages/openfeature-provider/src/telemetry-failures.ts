import type { Logger } from '@openfeature/server-sdk';
import { type Counter, type MeterProvider, metrics } from '@opentelemetry/api';

/**
 * The OpenTelemetry counter of span-stamping failures: the {@link FlagSpanHook}, {@link FlagSpanProcessor} or
 * {@link DownstreamSpanProcessor} caught an error and left a span unstamped, or the
 * {@link AssignmentBaggagePropagator} left an outgoing request without its assignments (attribute `component`:
 * `span_hook`, `span_processor`, `downstream_processor` or `baggage_propagator`). Spans without their flag attributes
 * are invisible to the analysis, so a rollout would later pause with `NoData`; alert on any increase instead.
 */
export const TELEMETRY_FAILURES_METRIC = 'prompt_canary.provider.telemetry.failures';

/** The meter the counter comes from (the package's name). */
export const PROVIDER_METER_NAME = '@prompt-canary/openfeature-provider';

/** Which part of the span stamping failed. */
export type TelemetryComponent =
  | 'span_hook'
  | 'span_processor'
  | 'downstream_processor'
  | 'baggage_propagator';

/** What a failure of each component leaves undone, for the one warning logged. */
const LEFT_UNDONE: Record<TelemetryComponent, string> = {
  span_hook: 'a span without its feature_flag attributes',
  span_processor: 'a span without its feature_flag attributes',
  downstream_processor: 'a span without its downstream feature_flag attributes',
  baggage_propagator: 'an outgoing request without its promptcanary.assignments baggage entry',
};

/**
 * Counts the caught failures of one span-stamping component: on the global OpenTelemetry meter provider (looked up
 * at each failure, so one registered after the hook still counts), in {@link TelemetryFailures.count}, and once
 * as a warning through the OpenFeature logger given. Never throws.
 */
export class TelemetryFailures {
  readonly #component: TelemetryComponent;
  #count = 0;
  #warned = false;
  #meterProvider: MeterProvider | undefined;
  #counter: Counter | undefined;

  constructor(component: TelemetryComponent) {
    this.#component = component;
  }

  /** Failures counted so far. */
  get count(): number {
    return this.#count;
  }

  /** Counts `error`; the first one is also logged as a warning through `logger`. */
  record(error: unknown, logger: Logger): void {
    this.#count++;
    try {
      this.#currentCounter().add(1, { component: this.#component });
    } catch {
      // A broken metrics SDK must not turn a counted failure into a thrown one.
    }
    if (this.#warned) return;
    this.#warned = true;
    try {
      logger.warn(
        `prompt-canary ${this.#component} failed and left ${LEFT_UNDONE[this.#component]}; ` +
          `further failures are counted in ${TELEMETRY_FAILURES_METRIC} without a log line`,
        error,
      );
    } catch {
      // Same for a broken logger.
    }
  }

  #currentCounter(): Counter {
    const provider = metrics.getMeterProvider();
    if (this.#counter === undefined || provider !== this.#meterProvider) {
      this.#meterProvider = provider;
      this.#counter = provider.getMeter(PROVIDER_METER_NAME).createCounter(TELEMETRY_FAILURES_METRIC, {
        description:
          'Spans the Prompt Canary span hook or span processor failed to stamp with feature_flag attributes',
      });
    }
    return this.#counter;
  }
}
