import { DefaultLogger, type Logger } from '@openfeature/server-sdk';
import type { Context, TextMapGetter, TextMapPropagator, TextMapSetter } from '@opentelemetry/api';
import { W3CBaggagePropagator } from '@opentelemetry/core';
import { FLAG_KEY_PATTERN } from '@prompt-canary/rules';
import { recordedAssignments, withAssignments } from './assignment-baggage.js';
import { TelemetryFailures } from './telemetry-failures.js';

/** Options of {@link AssignmentBaggagePropagator}. */
export interface AssignmentBaggagePropagatorOptions {
  /**
   * The flags (pack names) whose assignment travels downstream. Opt-in: a flag not named here is never added to the
   * baggage. An empty list makes the propagator a plain W3C baggage propagator.
   */
  readonly flags: readonly string[];
  /** Where the first failure is reported (an OpenFeature `Logger`). Default: the SDK's console logger. */
  readonly logger?: Logger;
}

/**
 * The W3C baggage propagator, plus the flag assignments of the outgoing call: on inject, the variants of the
 * opted-in `flags` that `FlagSpanHook` recorded on the active span (or that `FlagSpanProcessor` copied onto it from
 * the span that evaluated them — an instrumented HTTP client's span, for example) are added to the
 * `promptcanary.assignments` entry of the `baggage` header, next to every other entry of the context's baggage. Only
 * the flag key and the variant go out, never the evaluation context. Extract is the W3C baggage propagator's.
 *
 * Use it in place of `W3CBaggagePropagator`; with both in a composite, list this one last (both write the `baggage`
 * header, and a carrier keeps the last value). It never throws: a failure to add the assignments is counted (the OpenTelemetry
 * counter `prompt_canary.provider.telemetry.failures{component="baggage_propagator"}` and
 * {@link AssignmentBaggagePropagator.failures}), warned about once, and the context's baggage is sent as it is.
 *
 * @example
 * ```ts
 * new NodeSDK({
 *   textMapPropagator: new CompositePropagator({
 *     propagators: [new W3CTraceContextPropagator(), new AssignmentBaggagePropagator({ flags: ['support-prompts'] })],
 *   }),
 *   spanProcessors: [new FlagSpanProcessor(), new BatchSpanProcessor(exporter)],
 * });
 * ```
 */
export class AssignmentBaggagePropagator implements TextMapPropagator {
  readonly #baggage = new W3CBaggagePropagator();
  readonly #flags: ReadonlySet<string>;
  readonly #failures = new TelemetryFailures('baggage_propagator');
  readonly #logger: Logger;

  /** @param options `flags` must be an array of flag keys; anything else throws a `TypeError` naming the entry. */
  constructor(options: AssignmentBaggagePropagatorOptions) {
    const flags: unknown = options?.flags;
    if (!Array.isArray(flags)) {
      throw new TypeError(
        'AssignmentBaggagePropagator `flags` must be an array of flag keys (the flags whose assignment travels)',
      );
    }
    flags.forEach((flag, index) => {
      if (typeof flag !== 'string' || !FLAG_KEY_PATTERN.test(flag)) {
        throw new TypeError(
          `AssignmentBaggagePropagator \`flags[${index}]\` is not a flag key: ${JSON.stringify(flag)}`,
        );
      }
    });
    this.#flags = new Set(flags);
    this.#logger = options.logger ?? new DefaultLogger();
  }

  /** Outgoing calls whose assignments this propagator failed to add (each also counted on the OpenTelemetry meter). */
  get failures(): number {
    return this.#failures.count;
  }

  /** Writes the `baggage` header: the context's entries, with the opted-in assignments of its span merged in. */
  inject(ctx: Context, carrier: unknown, setter: TextMapSetter): void {
    let outgoing = ctx;
    try {
      if (this.#flags.size > 0) outgoing = withAssignments(ctx, recordedAssignments(ctx, this.#flags));
    } catch (error) {
      // Telemetry never breaks the host's call, and never fails silently.
      this.#failures.record(error, this.#logger);
    }
    this.#baggage.inject(outgoing, carrier, setter);
  }

  /** The W3C baggage propagator's extract: the incoming `baggage` header into the context's baggage. */
  extract(ctx: Context, carrier: unknown, getter: TextMapGetter): Context {
    return this.#baggage.extract(ctx, carrier, getter);
  }

  /** The header this propagator writes: `baggage`. */
  fields(): string[] {
    return this.#baggage.fields();
  }
}
