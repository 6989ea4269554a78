import { describe, expect, it } from 'vitest';
import { compileFlag } from './compile-flag.js';
import { FlagValidationError } from './errors.js';
import { exportFlagd, FLAGD_SCHEMA_URL } from './flagd-export.js';
import { importFlagd } from './flagd-import.js';
import type { Flag } from './model.js';

const NOW = Date.UTC(2025, 5, 6, 12, 0, 0);

function importError(doc: unknown): FlagValidationError {
  try {
    importFlagd(doc);
  } catch (error) {
    if (error instanceof FlagValidationError) return error;
    throw error;
  }
  throw new Error('the document was accepted');
}

describe('importFlagd', () => {
  it('rejects what flagd schema rejects, naming the path', () => {
    const noVariants = importError({ flags: { beta: { state: 'ENABLED', defaultVariant: 'on' } } });
    expect(noVariants.issues[0]?.path).toEqual(['flags', 'beta', 'variants']);
    const badState = importError({ flags: { beta: { state: 'ON', variants: { on: true } } } });
    expect(badState.issues[0]?.path).toEqual(['flags', 'beta', 'state']);
    const mixed = importError({ flags: { beta: { state: 'ENABLED', variants: { on: true, off: 'no' } } } });
    expect(mixed.issues[0]?.path).toEqual(['flags', 'beta', 'variants']);
    const stringTargeting = importError({
      flags: { b: { state: 'ENABLED', variants: { on: true }, targeting: 'on' } },
    });
    expect(stringTargeting.issues[0]?.path).toEqual(['flags', 'b', 'targeting']);
    const unknownDefault = importError({
      flags: { b: { state: 'ENABLED', variants: { on: true }, defaultVariant: 'x' } },
    });
    expect(unknownDefault.message).toContain('flags.b.defaultVariant');
    expect(() => importFlagd({ flags: [] })).toThrow(FlagValidationError);
    expect(() => importFlagd(null)).toThrow(FlagValidationError);
  });

  it('resolves $refs, including nested ones, and keeps unresolvable ones for a PARSE_ERROR', () => {
    const [ok, broken] = importFlagd({
      flags: {
        ok: {
          state: 'ENABLED',
          variants: { a: 'a', b: 'b' },
          defaultVariant: 'b',
          targeting: { if: [{ $ref: 'outer' }, 'a'] },
        },
        broken: {
          state: 'ENABLED',
          variants: { a: 'a' },
          defaultVariant: 'a',
          targeting: { if: [{ $ref: 'nope' }, 'a'] },
        },
      },
      $evaluators: { outer: { and: [{ $ref: 'inner' }, true] }, inner: { '==': [{ var: 'plan' }, 'pro'] } },
    }) as [Flag, Flag];
    expect(ok.targeting).toEqual({ if: [{ and: [{ '==': [{ var: 'plan' }, 'pro'] }, true] }, 'a'] });
    expect(compileFlag(ok).evaluate({ plan: 'pro' }, NOW)).toMatchObject({
      variant: 'a',
      reason: 'TARGETING_MATCH',
    });
    expect(compileFlag(ok).evaluate({ plan: 'free' }, NOW)).toMatchObject({
      variant: 'b',
      reason: 'DEFAULT',
    });
    expect(compileFlag(broken).evaluate({}, NOW)).toMatchObject({
      reason: 'ERROR',
      errorCode: 'PARSE_ERROR',
    });
  });

  it('merges flag-set metadata under each flag own metadata and treats {} targeting as none', () => {
    const [withOwn, without] = importFlagd({
      metadata: { flagSetId: 'shop', version: '3' },
      flags: {
        own: { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on', metadata: { version: 'own' } },
        none: { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on', targeting: {} },
      },
    }) as [Flag, Flag];
    expect(withOwn.metadata).toEqual({ flagSetId: 'shop', version: 'own' });
    expect(without.targeting).toBeUndefined();
    expect(compileFlag(without).evaluate({}, NOW)).toMatchObject({ value: true, reason: 'STATIC' });
  });

  it('exports imported targeting unchanged', () => {
    const targeting = { fractional: [['on', 1], ['off']] };
    const flags = importFlagd({
      flags: {
        f: { state: 'DISABLED', variants: { on: true, off: false }, defaultVariant: null, targeting },
      },
    });
    expect(exportFlagd(flags)).toEqual({
      $schema: FLAGD_SCHEMA_URL,
      flags: {
        f: { state: 'DISABLED', variants: { on: true, off: false }, defaultVariant: null, targeting },
      },
    });
  });
});

describe('flagd targeting evaluation', () => {
  const flag = (targeting: Flag['targeting'], defaultVariant: string | null = 'off'): Flag => ({
    key: 'f',
    state: 'ENABLED',
    variants: { on: 'ON', off: 'OFF', true: 'T' },
    defaultVariant,
    targeting,
  });

  it('names variants by booleans, falls back on null, and reports unknown variants', () => {
    expect(compileFlag(flag({ '==': [1, 1] })).evaluate({}, NOW)).toMatchObject({
      variant: 'true',
      value: 'T',
    });
    expect(compileFlag(flag({ if: [false, 'on'] })).evaluate({}, NOW)).toMatchObject({
      variant: 'off',
      reason: 'DEFAULT',
    });
    expect(compileFlag(flag({ if: [false, 'on'] }, null)).evaluate({}, NOW)).toEqual({
      reason: 'DEFAULT',
      flagMetadata: {},
    });
    expect(compileFlag(flag({ cat: ['o', 'x'] })).evaluate({}, NOW)).toMatchObject({
      reason: 'ERROR',
      errorCode: 'GENERAL',
    });
  });

  it('sees $flagd.timestamp in whole seconds and $flagd.flagKey', () => {
    const f = flag({
      if: [
        {
          and: [
            { '==': [{ var: '$flagd.timestamp' }, 1749211200] },
            { '==': [{ var: '$flagd.flagKey' }, 'f'] },
          ],
        },
        'on',
      ],
    });
    expect(compileFlag(f).evaluate({}, NOW + 999).variant).toBe('on');
    expect(compileFlag(f).evaluate({}, NOW + 1000).variant).toBe('off');
  });

  it('buckets fractional by flagKey + targetingKey, and serves the default without a targeting key', () => {
    const f = flag({
      fractional: [
        ['on', 50],
        ['off', 50],
      ],
    });
    const variants = new Set(
      ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map(
        (k) => compileFlag(f).evaluate({ targetingKey: k }, NOW).variant,
      ),
    );
    expect(variants).toEqual(new Set(['on', 'off']));
    expect(compileFlag(f).evaluate({}, NOW)).toMatchObject({ variant: 'off', reason: 'DEFAULT' });
  });
});
