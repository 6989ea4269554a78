import { DefaultLogger, type Logger } from '@openfeature/server-sdk';
import { type Attributes, type Context, type Span, trace } from '@opentelemetry/api';
import { TelemetryAttributes } from '@prompt-canary/rules';
import { FEATURE_FLAG_EVALUATION_EVENT } from './feature-flag-attributes.js';
import { TelemetryFailures } from './telemetry-failures.js';

/**
 * Marks an assignment copied from a parent span (`true`), on the copied events and on the child's attributes. The
 * analyzer counts request-level facts (the request, its status and duration) only from spans whose assignment is
 * not inherited, while the tokens and cost of inherited child spans still count for the version.
 */
export const FEATURE_FLAG_INHERITED = TelemetryAttributes.FLAG_INHERITED;

/** The part of an SDK span (`ReadableSpan`) this processor reads from the parent. */
interface RecordedEvents {
  readonly events?: ReadonlyArray<{ readonly name: string; readonly attributes?: Attributes }>;
}

/**
 * An OpenTelemetry span processor that copies flag assignments onto child spans: when a span starts under a parent
 * that carries `feature_flag.evaluation` events (stamped by {@link FlagSpanHook}), the child gets the same events and
 * the `feature_flag.*` attributes of the latest one, each marked `feature_flag.inherited: true` so that a request is
 * counted once. LLM client spans, which carry the `gen_ai.usage.*` token counts, thereby carry the prompt version
 * that produced them. Grandchildren inherit through their parent in turn. Events that came from baggage (marked
 * `promptcanary.downstream`) are left to {@link DownstreamSpanProcessor}.
 *
 * It never throws into span creation: a failure is counted (the OpenTelemetry counter
 * `prompt_canary.provider.telemetry.failures{component="span_processor"}` and {@link FlagSpanProcessor.failures})
 * and the first one logged as a warning through an OpenFeature logger (`options.logger`, else the SDK's
 * `DefaultLogger`, which writes to the console).
 *
 * Structurally an `@opentelemetry/sdk-trace-base` `SpanProcessor`; register it on the tracer provider:
 *
 * @example
 * ```ts
 * new NodeTracerProvider({ spanProcessors: [new FlagSpanProcessor(), new BatchSpanProcessor(exporter)] });
 * ```
 */
export class FlagSpanProcessor {
  /** The last inherited copy made, per `feature_flag.key`: reused while the parent's attributes are the same. */
  readonly #inherited = new Map<unknown, { source: Attributes; copy: Attributes }>();
  readonly #failures = new TelemetryFailures('span_processor');
  readonly #logger: Logger;

  /** @param options `logger`: where the first failure is reported (an OpenFeature `Logger`). */
  constructor(options: { readonly logger?: Logger } = {}) {
    this.#logger = options.logger ?? new DefaultLogger();
  }

  /** Spans this processor failed to stamp (each also counted on the OpenTelemetry meter). */
  get failures(): number {
    return this.#failures.count;
  }

  /** Copies the parent's flag assignments onto `span`. Never throws. */
  onStart(span: Span, parentContext: Context): void {
    try {
      const parent = trace.getSpan(parentContext) as (Span & RecordedEvents) | undefined;
      const events = parent?.events;
      if (parent === undefined || parent === span || !Array.isArray(events)) return;
      let latest: Attributes | undefined;
      for (const event of events) {
        if (event.name !== FEATURE_FLAG_EVALUATION_EVENT || event.attributes === undefined) continue;
        // Assignments that came in baggage are the DownstreamSpanProcessor's to copy, marked as such.
        if (event.attributes[TelemetryAttributes.DOWNSTREAM] === true) continue;
        const copied = this.#inheritedCopy(event.attributes);
        span.addEvent(FEATURE_FLAG_EVALUATION_EVENT, copied);
        latest = copied;
      }
      if (latest !== undefined) span.setAttributes(latest);
    } catch (error) {
      // Telemetry never breaks the host, and never fails silently.
      this.#failures.record(error, this.#logger);
    }
  }

  /** `source` marked inherited, frozen; the same object as last time when `source` holds the same values. */
  #inheritedCopy(source: Attributes): Attributes {
    const key = source[TelemetryAttributes.FLAG_KEY];
    const cached = this.#inherited.get(key);
    if (cached !== undefined && sameAttributes(cached.source, source)) return cached.copy;
    const copy = Object.freeze({ ...source, [FEATURE_FLAG_INHERITED]: true });
    if (this.#inherited.size >= 1024) this.#inherited.clear();
    this.#inherited.set(key, { source: { ...source }, copy });
    return copy;
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

/** Whether two attribute sets hold the same keys with the same primitive values. */
function sameAttributes(a: Attributes, b: Attributes): boolean {
  let count = 0;
  for (const key in b) {
    count++;
    if (a[key] !== b[key]) return false;
  }
  for (const _ in a) count--;
  return count === 0;
}
