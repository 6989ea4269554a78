import { DefaultLogger, type Logger } from '@openfeature/server-sdk';
import {
  type Attributes,
  type Context,
  type Counter,
  type MeterProvider,
  metrics,
  type Span,
  trace,
} from '@opentelemetry/api';
import { TelemetryAttributes } from '@prompt-canary/rules';
import {
  ASSIGNMENTS_BAGGAGE_ENTRY,
  assignmentsInContext,
  type FlagAssignment,
  PROMPTCANARY_DOWNSTREAM,
} from './assignment-baggage.js';
import { FEATURE_FLAG_EVALUATION_EVENT } from './feature-flag-attributes.js';
import { PROVIDER_METER_NAME, TelemetryFailures } from './telemetry-failures.js';

/**
 * The OpenTelemetry counter of `promptcanary.assignments` pairs a {@link DownstreamSpanProcessor} skipped as unusable
 * (malformed, not a flag key, too long, beyond the cap). The caller's spans still count; these pairs do not.
 */
export const DOWNSTREAM_REJECTED_METRIC = 'prompt_canary.provider.downstream.rejected';

/** The part of an SDK span (`ReadableSpan`) this processor reads from a local parent. */
interface RecordedEvents {
  readonly events?: ReadonlyArray<{ readonly name: string; readonly attributes?: Attributes }>;
}

/** How many attribute objects the processor keeps to reuse before starting over. */
const MAX_CACHED = 1024;

/**
 * An OpenTelemetry span processor for a service downstream of an app that evaluates Prompt Canary flags: it copies the
 * assignments that arrive in the `promptcanary.assignments` baggage entry (sent by {@link AssignmentBaggagePropagator}
 * or by hand) onto the service's spans, so canaryd counts the service's errors and latency per prompt version.
 *
 * The service's request span — the first span of the trace in this process, whose parent is remote or absent — gets
 * one `feature_flag.evaluation` event per assignment (`feature_flag.key`, `feature_flag.result.variant`,
 * `promptcanary.downstream: true`) and, like `FlagSpanHook`, the attributes of the last one. A span started under a
 * local parent so stamped gets the same, each also marked `feature_flag.inherited: true`, so a request is counted
 * once. No reason, value, unit or provider travels: the baggage carries the key and the variant only.
 *
 * It needs the W3C baggage propagator (or {@link AssignmentBaggagePropagator}) to extract incoming baggage, and works
 * alone, in a service that evaluates no flag; beside `FlagSpanProcessor` each copies its own events. It never throws
 * into span creation: a failure is counted (`prompt_canary.provider.telemetry.failures{component="downstream_processor"}`
 * and {@link DownstreamSpanProcessor.failures}); an unusable pair is skipped and counted
 * (`prompt_canary.provider.downstream.rejected` and {@link DownstreamSpanProcessor.rejected}); the first of each is
 * logged as a warning.
 *
 * @example
 * ```ts
 * new NodeSDK({ spanProcessors: [new DownstreamSpanProcessor(), new BatchSpanProcessor(exporter)] }); // baggage propagated by default
 * ```
 */
export class DownstreamSpanProcessor {
  readonly #failures = new TelemetryFailures('downstream_processor');
  readonly #logger: Logger;
  /** Frozen event attributes per assignment, request-level and inherited. */
  readonly #attributes = new Map<string, Attributes>();
  #rejected = 0;
  #warnedRejected = false;
  #meterProvider: MeterProvider | undefined;
  #rejectedCounter: Counter | undefined;

  /** @param options `logger`: where the first failure is reported (an OpenFeature `Logger`). */
  constructor(options: { readonly logger?: Logger } = {}) {
    this.#logger = options.logger ?? new DefaultLogger();
  }

  /** Spans this processor failed to stamp (each also counted on the OpenTelemetry meter). */
  get failures(): number {
    return this.#failures.count;
  }

  /** Pairs of incoming `promptcanary.assignments` entries skipped as unusable. */
  get rejected(): number {
    return this.#rejected;
  }

  /** Stamps a request span from the baggage of its context, or a child span from its stamped local parent. */
  onStart(span: Span, parentContext: Context): void {
    try {
      const parent = trace.getSpan(parentContext);
      if (parent !== undefined && parent !== span && parent.spanContext().isRemote !== true) {
        this.#inherit(span, parent as Span & RecordedEvents);
        return;
      }
      const { assignments, rejected } = assignmentsInContext(parentContext);
      if (rejected > 0) this.#reject(rejected);
      let latest: Attributes | undefined;
      for (const assignment of assignments) {
        latest = this.#stamp(assignment, false);
        span.addEvent(FEATURE_FLAG_EVALUATION_EVENT, latest);
      }
      if (latest !== undefined) span.setAttributes(latest);
    } catch (error) {
      // Telemetry never breaks the host, and never fails silently.
      this.#failures.record(error, this.#logger);
    }
  }

  /** Copies the downstream events of a local parent onto `span`, marked inherited. */
  #inherit(span: Span, parent: Span & RecordedEvents): void {
    const events = parent.events;
    if (!Array.isArray(events)) return;
    let latest: Attributes | undefined;
    for (const event of events) {
      const attributes = event.attributes;
      if (event.name !== FEATURE_FLAG_EVALUATION_EVENT || attributes?.[PROMPTCANARY_DOWNSTREAM] !== true)
        continue;
      const flagKey = attributes[TelemetryAttributes.FLAG_KEY];
      const variant = attributes[TelemetryAttributes.FLAG_VARIANT];
      if (typeof flagKey !== 'string' || typeof variant !== 'string') continue;
      latest = this.#stamp({ flagKey, variant }, true);
      span.addEvent(FEATURE_FLAG_EVALUATION_EVENT, latest);
    }
    if (latest !== undefined) span.setAttributes(latest);
  }

  /** The frozen attributes of a downstream assignment, built once per (key, variant, inherited). */
  #stamp({ flagKey, variant }: FlagAssignment, inherited: boolean): Attributes {
    const id = `${inherited ? 'i' : 'r'}\u0000${flagKey}\u0000${variant}`;
    let attributes = this.#attributes.get(id);
    if (attributes === undefined) {
      attributes = Object.freeze({
        [TelemetryAttributes.FLAG_KEY]: flagKey,
        [TelemetryAttributes.FLAG_VARIANT]: variant,
        [PROMPTCANARY_DOWNSTREAM]: true,
        ...(inherited ? { [TelemetryAttributes.FLAG_INHERITED]: true } : {}),
      });
      if (this.#attributes.size >= MAX_CACHED) this.#attributes.clear();
      this.#attributes.set(id, attributes);
    }
    return attributes;
  }

  /** Counts `count` unusable pairs; the first time, a warning. Never throws. */
  #reject(count: number): void {
    this.#rejected += count;
    try {
      // Looked up at each rejection, so a meter provider registered after the processor still counts.
      const provider = metrics.getMeterProvider();
      if (this.#rejectedCounter === undefined || provider !== this.#meterProvider) {
        this.#meterProvider = provider;
        this.#rejectedCounter = provider
          .getMeter(PROVIDER_METER_NAME)
          .createCounter(DOWNSTREAM_REJECTED_METRIC, {
            description: `Pairs of incoming ${ASSIGNMENTS_BAGGAGE_ENTRY} baggage entries skipped as unusable`,
          });
      }
      this.#rejectedCounter.add(count);
    } catch {
      // A broken metrics SDK must not turn a counted entry into a thrown one.
    }
    if (this.#warnedRejected) return;
    this.#warnedRejected = true;
    try {
      this.#logger.warn(
        `prompt-canary downstream_processor skipped ${count} unusable pair(s) of the ${ASSIGNMENTS_BAGGAGE_ENTRY} ` +
          `baggage entry (expected key=variant pairs joined by commas); further ones are counted in ` +
          `${DOWNSTREAM_REJECTED_METRIC} without a log line`,
      );
    } catch {
      // Same for a broken logger.
    }
  }

  /** Nothing to do when a span ends. */
  onEnd(_span: unknown): void {}

  /** Nothing is buffered. */
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  /** Nothing to release. */
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
