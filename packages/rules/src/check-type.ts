import type { EvaluationDetails, FlagValueType } from './model.js';

function typeOfValue(value: unknown): FlagValueType | 'other' {
  const type = typeof value;
  if (type === 'string' || type === 'number' || type === 'boolean') return type;
  return type === 'object' && value !== null ? 'object' : 'other';
}

/**
 * Checks a resolution against the type the caller asked for (`getStringValue` wants `'string'`, and so on; arrays
 * count as `'object'`, as in OpenFeature). A value of another type becomes `reason: 'ERROR'` with
 * `errorCode: 'TYPE_MISMATCH'` and no value, so the caller's default applies. Results without a value pass through.
 *
 * @example
 * checkType(flags.evaluate('support-prompts', context, now), 'string');
 */
export function checkType(details: EvaluationDetails, expected: FlagValueType): EvaluationDetails {
  if (details.value === undefined) return details;
  const actual = typeOfValue(details.value);
  if (actual === expected) return details;
  return {
    reason: 'ERROR',
    errorCode: 'TYPE_MISMATCH',
    errorMessage: `flag value is of type ${actual}, but ${expected} was requested`,
    flagMetadata: details.flagMetadata,
  };
}
