/**
 * The OpenTelemetry attribute names Prompt Canary writes and reads, declared once: the provider stamps them, the
 * daemon's OTLP receiver and `@prompt-canary/analysis` read them. Names follow the OpenTelemetry semantic
 * conventions (the `feature_flag.*` and `gen_ai.*` registries) where they exist; the two of our own are marked.
 */
export const TelemetryAttributes = {
  /** The flag evaluated (for Prompt Canary: the pack's name). */
  FLAG_KEY: 'feature_flag.key',
  /** The variant served (the prompt version). */
  FLAG_VARIANT: 'feature_flag.result.variant',
  /** The variant under its pre-1.32 semantic-convention name, still read. */
  FLAG_VARIANT_LEGACY: 'feature_flag.variant',
  FLAG_VALUE: 'feature_flag.result.value',
  /** Why the variant was served (`split`, `targeting_match`, `default`, …), any case. */
  FLAG_REASON: 'feature_flag.result.reason',
  FLAG_PROVIDER_NAME: 'feature_flag.provider.name',
  /** The config revision the app evaluated with. */
  FLAG_VERSION: 'feature_flag.version',
  /** The assignment unit (the bucketing value), a keyed hash by default. */
  FLAG_CONTEXT_ID: 'feature_flag.context.id',
  FLAG_ERROR_MESSAGE: 'feature_flag.error.message',
  /**
   * Ours: the unit's bucket for the flag (0–9999, what the split compares with its arms' bounds), so the daemon can
   * recompute what a split-assigned request should have been served without seeing the unit.
   */
  FLAG_BUCKET: 'promptcanary.bucket',
  /** Ours: a child span that carries its parent's assignment (counted for tokens and cost, not as a request). */
  FLAG_INHERITED: 'feature_flag.inherited',
  /**
   * Ours: a span of a downstream service whose assignment came in the `promptcanary.assignments` baggage entry (the
   * service that called it evaluated the flag), counted for that service's own metrics, not as the app's request.
   */
  DOWNSTREAM: 'promptcanary.downstream',
  /** The span event of one evaluation. */
  FLAG_EVALUATION_EVENT: 'feature_flag.evaluation',
  ERROR_TYPE: 'error.type',
  GEN_AI_INPUT_TOKENS: 'gen_ai.usage.input_tokens',
  GEN_AI_OUTPUT_TOKENS: 'gen_ai.usage.output_tokens',
  GEN_AI_REQUEST_MODEL: 'gen_ai.request.model',
  /** Ours: the request's cost, when the app knows it (else a price table prices the tokens). */
  GEN_AI_COST: 'gen_ai.usage.cost',
  GEN_AI_OPERATION_NAME: 'gen_ai.operation.name',
} as const;

/**
 * Prompt and completion contents: spans carry them in some instrumentations, and the daemon never stores them.
 * Exact names, and prefixes of the older flattened forms (`gen_ai.prompt.0.content`, …).
 */
export const CONTENT_ATTRIBUTES = {
  exact: ['gen_ai.input.messages', 'gen_ai.output.messages'],
  prefixes: ['gen_ai.prompt', 'gen_ai.completion'],
} as const;
