import type { EvaluationContext, EvaluationDetails, FlagMetadata, FlagValue } from '@prompt-canary/rules';

/** OFREP error codes a 400 may carry. */
export type OfrepErrorCode = 'PARSE_ERROR' | 'TARGETING_KEY_MISSING' | 'INVALID_CONTEXT' | 'GENERAL';

/** A successful OFREP evaluation. `value` is absent only when the caller's code default applies. */
export interface OfrepSuccess {
  key: string;
  reason: string;
  variant?: string;
  value?: FlagValue;
  metadata: FlagMetadata;
}

/** A failed OFREP evaluation (400 single, or an item of the bulk answer). */
export interface OfrepFailure {
  key: string;
  errorCode: OfrepErrorCode | 'FLAG_NOT_FOUND';
  errorDetails: string;
  metadata?: FlagMetadata;
}

/** The result of reading an OFREP request body: the context, or why it is unusable. */
export type ParsedContext =
  | { ok: true; context: EvaluationContext }
  | { ok: false; errorCode: OfrepErrorCode; errorDetails: string };

/**
 * Reads the `context` of an OFREP request body (already JSON-parsed). A missing context is an empty one (and a
 * missing `targetingKey` is evaluated, as flagd does); a context that is not an object, or a `targetingKey` that
 * is not a string, is `INVALID_CONTEXT`.
 */
export function parseOfrepContext(body: unknown): ParsedContext {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return {
      ok: false,
      errorCode: 'INVALID_CONTEXT',
      errorDetails: 'the request body must be a JSON object',
    };
  }
  const context = (body as { context?: unknown }).context;
  if (context === undefined) return { ok: true, context: {} };
  if (context === null || typeof context !== 'object' || Array.isArray(context)) {
    return { ok: false, errorCode: 'INVALID_CONTEXT', errorDetails: 'context must be a JSON object' };
  }
  const targetingKey = (context as { targetingKey?: unknown }).targetingKey;
  if (targetingKey !== undefined && typeof targetingKey !== 'string') {
    return { ok: false, errorCode: 'INVALID_CONTEXT', errorDetails: 'targetingKey must be a string' };
  }
  return { ok: true, context: context as EvaluationContext };
}

const OFREP_ERROR_CODES = new Set<string>([
  'PARSE_ERROR',
  'TARGETING_KEY_MISSING',
  'INVALID_CONTEXT',
  'GENERAL',
]);

/**
 * Shapes an evaluation as OFREP: a success (reason as OpenFeature names it, `DEFAULT` included; `value` and
 * `variant` whenever a variant resolved) or a failure with its error code.
 */
export function toOfrep(key: string, details: EvaluationDetails): OfrepSuccess | OfrepFailure {
  if (details.errorCode !== undefined) {
    const errorCode = OFREP_ERROR_CODES.has(details.errorCode)
      ? (details.errorCode as OfrepErrorCode)
      : details.errorCode === 'FLAG_NOT_FOUND'
        ? 'FLAG_NOT_FOUND'
        : 'GENERAL';
    return {
      key,
      errorCode,
      errorDetails: details.errorMessage ?? `evaluation failed: ${details.errorCode}`,
      metadata: { ...details.flagMetadata },
    };
  }
  const success: OfrepSuccess = { key, reason: details.reason, metadata: { ...details.flagMetadata } };
  if (details.value !== undefined) {
    success.value = details.value;
    if (details.variant !== undefined) success.variant = details.variant;
  }
  return success;
}

/** True for a failure item. */
export function isOfrepFailure(result: OfrepSuccess | OfrepFailure): result is OfrepFailure {
  return 'errorCode' in result;
}
