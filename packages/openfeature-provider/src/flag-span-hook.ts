import type { EvaluationDetails, FlagValue, Hook, HookContext } from '@openfeature/server-sdk';
import { trace } from '@opentelemetry/api';
import {
  FEATURE_FLAG_EVALUATION_EVENT,
  FeatureFlagAttributeCache,
  type FeatureFlagAttributeOptions,
} from './feature-flag-attributes.js';
import { TelemetryFailures } from './telemetry-failures.js';

/**
 * An OpenFeature hook that stamps every evaluation onto the active OpenTelemetry span: the `feature_flag.*`
 * attributes (the last evaluation wins) and one `feature_flag.evaluation` event per evaluation, so a request that
 * evaluates two flags keeps both. The assignment unit (the value the flag buckets by: `flagMetadata.bucketBy`, else
 * `targetingKey`) goes along as `feature_flag.context.id`, as a keyed hash by default, so canaryd counts units
 * without seeing session or user ids. Uses `@opentelemetry/api` only: without an SDK there is no recording span and the
 * hook does nothing. It never throws into the evaluation: a failure is counted (the OpenTelemetry counter
 * `prompt_canary.provider.telemetry.failures{component="span_hook"}` and {@link FlagSpanHook.failures}) and the
 * first one logged as a warning through the OpenFeature logger.
 *
 * @example
 * ```ts
 * OpenFeature.addHooks(new FlagSpanHook({ contextIdKey: process.env.CANARY_CONTEXT_ID_KEY }));
 * ```
 */
export class FlagSpanHook implements Hook {
  readonly #attributes: FeatureFlagAttributeCache;
  readonly #failures = new TelemetryFailures('span_hook');

  /**
   * @param options `includeValue: false` leaves `feature_flag.result.value` out; `contextId` (`'hashed'` by default,
   * `'raw'`, `'off'`) and `contextIdKey` (the HMAC key, default public) shape `feature_flag.context.id`. Invalid
   * values throw a `TypeError` naming the option.
   */
  constructor(options: FeatureFlagAttributeOptions = {}) {
    this.#attributes = new FeatureFlagAttributeCache(options);
  }

  /** Evaluations whose span this hook failed to stamp (each also counted on the OpenTelemetry meter). */
  get failures(): number {
    return this.#failures.count;
  }

  /** Runs after every evaluation, successful or not. */
  finally(hookContext: Readonly<HookContext>, evaluationDetails: EvaluationDetails<FlagValue>): void {
    try {
      const span = trace.getActiveSpan();
      if (span === undefined || !span.isRecording()) return;
      // One prebuilt, frozen object per outcome, given to both calls (the SDK copies it each time).
      const attributes = this.#attributes.of(hookContext, evaluationDetails);
      span.setAttributes(attributes);
      span.addEvent(FEATURE_FLAG_EVALUATION_EVENT, attributes);
    } catch (error) {
      // Telemetry never breaks the host, and never fails silently.
      this.#failures.record(error, hookContext.logger);
    }
  }
}
