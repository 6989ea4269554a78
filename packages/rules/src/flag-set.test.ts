import { describe, expect, test } from 'vitest';
import { checkType } from './check-type.js';
import { FlagValidationError } from './errors.js';
import { compileFlagSet } from './flag-set.js';
import type { EvaluationDetails, Flag, FlagValueType } from './model.js';

const prompts: Flag = {
  key: 'support-prompts',
  state: 'ENABLED',
  variants: { stable: '2.3.0', canary: '2.4.0' },
  defaultVariant: 'stable',
  rules: [{ segment: { plan: 'internal' }, serve: { variant: 'canary' } }],
};
const limit: Flag = { key: 'max-tokens', state: 'ENABLED', variants: { low: 256 }, defaultVariant: 'low' };

describe('compileFlagSet', () => {
  test('evaluates flags by key, from a record or a list', () => {
    for (const set of [
      compileFlagSet({ 'support-prompts': prompts, 'max-tokens': limit }),
      compileFlagSet([prompts, limit]),
    ]) {
      expect(set.evaluate('support-prompts', { plan: 'internal' }, 0)).toMatchObject({
        value: '2.4.0',
        reason: 'TARGETING_MATCH',
      });
      expect(set.evaluate('max-tokens', {}, 0)).toMatchObject({ value: 256, reason: 'STATIC' });
      expect([...set.keys()]).toEqual(['support-prompts', 'max-tokens']);
      expect(set.get('max-tokens')?.flag).toBe(limit);
      expect(set.get('nope')).toBeUndefined();
    }
  });

  test('an unknown key resolves to FLAG_NOT_FOUND without a value', () => {
    const details = compileFlagSet([prompts]).evaluate('nope', {}, 0);
    expect(details).toMatchObject({ reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
    expect(details.value).toBeUndefined();
    expect(details.errorMessage).toContain('nope');
  });

  test('rejects a record whose key differs from the flag key', () => {
    expect(() => compileFlagSet({ other: prompts })).toThrow(FlagValidationError);
  });

  test('rejects a list with the same key twice', () => {
    expect(() => compileFlagSet([prompts, prompts])).toThrow(/appears twice/);
  });
});

describe('checkType', () => {
  const details = (value: EvaluationDetails['value']): EvaluationDetails => ({
    value,
    variant: 'v',
    reason: 'STATIC',
    flagMetadata: { owner: 'x' },
  });

  test.each<[string, EvaluationDetails['value'], FlagValueType]>([
    ['a string asked as a string', '2.4.0', 'string'],
    ['a number asked as a number', 3, 'number'],
    ['a boolean asked as a boolean', false, 'boolean'],
    ['an object asked as an object', { a: 1 }, 'object'],
    ['a list asked as an object', [1, 2], 'object'],
  ])('passes %s through unchanged', (_name, value, expected) => {
    const input = details(value);
    expect(checkType(input, expected)).toBe(input);
  });

  test.each<[string, EvaluationDetails['value'], FlagValueType]>([
    ['a string asked as a boolean', 'true', 'boolean'],
    ['a number asked as a string', 1, 'string'],
    ['an object asked as a string', { a: 1 }, 'string'],
    ['a boolean asked as an object', true, 'object'],
  ])('turns %s into TYPE_MISMATCH with the caller default', (_name, value, expected) => {
    const result = checkType(details(value), expected);
    expect(result).toMatchObject({
      reason: 'ERROR',
      errorCode: 'TYPE_MISMATCH',
      flagMetadata: { owner: 'x' },
    });
    expect(result.value).toBeUndefined();
    expect(result.variant).toBeUndefined();
  });

  test('leaves results without a value alone (disabled flags, not-found errors)', () => {
    const disabled: EvaluationDetails = { reason: 'DISABLED', flagMetadata: {} };
    expect(checkType(disabled, 'string')).toBe(disabled);
  });
});
