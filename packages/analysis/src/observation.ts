/**
 * Facts taken from one span that carries a flag assignment. Prompt and completion contents are never part of it.
 */
export interface SpanObservation {
  /** `feature_flag.key`. */
  flagKey: string;
  /** `feature_flag.result.variant`: the prompt version served. */
  variant: string;
  /**
   * Whether the assignment came from the ramp's split (`feature_flag.result.reason` `SPLIT`/`split`, or absent).
   * Only split-assigned traffic enters comparisons and the sample-ratio check.
   */
  splitAssigned: boolean;
  /** The reason as written on the span, when there was one. */
  reason?: string;
  /** End time in epoch milliseconds: a span belongs to the time slice of its end. */
  endTimeMs: number;
  /** Duration in milliseconds. */
  durationMs: number;
  /** Span status was ERROR. */
  error: boolean;
  /** `gen_ai.usage.input_tokens`. */
  inputTokens?: number;
  /** `gen_ai.usage.output_tokens`. */
  outputTokens?: number;
  /** `gen_ai.request.model`. */
  model?: string;
  /** Cost of the request: from a cost attribute, or priced from the tokens and the model's price table. */
  cost?: number;
  /** Values of the attributes that configured custom metrics name (booleans for rates, numbers for means). */
  attributes: Record<string, number | boolean>;
  /**
   * The assignment unit (`feature_flag.context.id`): requests of one unit are correlated, so variances are
   * clustered by it. Absent: the request is treated as independent (request-level).
   */
  unit?: string;
  /**
   * Set on a span of a downstream service (`promptcanary.downstream: true`): the service (`service.name`) whose
   * request it is. Such a span is not a request of the app: it counts only under its service
   * ({@link DownstreamObservation}), never in the app's requests, errors, latency, tokens or cost.
   */
  downstreamService?: string;
  /** The span carries an assignment copied from its parent (`feature_flag.inherited: true`): not a request. */
  inherited?: boolean;
}

/**
 * One request of a downstream service, credited to the version whose assignment reached it by baggage. Counted
 * per service, apart from the app's own requests.
 */
export interface DownstreamObservation {
  /** The downstream service's `service.name`. */
  service: string;
  /** Span status was ERROR. */
  error: boolean;
  /** Duration in milliseconds. */
  durationMs: number;
  /**
   * The assignment unit, when the caller could join the span to its trace's app span (the downstream span carries
   * none itself); absent, the request counts as independent.
   */
  unit?: string;
}

/**
 * A tracking event credited to a variant: `feedback` (value = rating 1–5), `thumbs_up`, `thumbs_down`,
 * `regenerate`, `escalate`, or a custom name.
 */
export interface FeedbackObservation {
  flagKey: string;
  variant: string;
  name: string;
  value?: number;
  timeMs: number;
  /** The unit (targeting key) that sent it, for cluster-robust variances; absent: counted as independent. */
  unit?: string;
}

/** A late quality score (an LLM judge's or a reviewer's verdict) joined to the variant that served its trace. */
export interface ScoreObservation {
  flagKey: string;
  variant: string;
  name: string;
  value: number;
  timeMs: number;
  /** The unit of the scored trace, when known. */
  unit?: string;
}
