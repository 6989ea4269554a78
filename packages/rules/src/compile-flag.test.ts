import { describe, expect, test } from 'vitest';
import { bucketOf, TOTAL_BUCKETS } from './bucketing.js';
import { compileFlag } from './compile-flag.js';
import { FlagValidationError } from './errors.js';
import type { Flag, Matcher, Rule } from './model.js';

const FRIDAY_23H = Date.UTC(2025, 5, 6, 23, 0);
const FRIDAY_NOON = Date.UTC(2025, 5, 6, 12, 0);

function flagWith(rules: Rule[] | undefined, extra: Partial<Flag> = {}): Flag {
  return {
    key: 'support-prompts',
    state: 'ENABLED',
    variants: { stable: '2.3.0', canary: '2.4.0' },
    defaultVariant: 'stable',
    ...(rules === undefined ? {} : { rules }),
    metadata: { owner: 'support' },
    ...extra,
  };
}

const everyoneCanary: Rule = {
  serve: {
    split: {
      arms: [
        { variant: 'canary', weight: 100 },
        { variant: 'stable', weight: 0 },
      ],
    },
  },
};

describe('evaluation reasons', () => {
  test.each<[string, Flag, Record<string, unknown>, number, string | undefined, string]>([
    ['no rules: default variant, STATIC', flagWith(undefined), {}, 0, 'stable', 'STATIC'],
    ['empty rule list: default variant, STATIC', flagWith([]), {}, 0, 'stable', 'STATIC'],
    [
      'no rule matches: default variant, DEFAULT',
      flagWith([{ segment: { plan: 'internal' }, serve: { variant: 'canary' } }]),
      { plan: 'free' },
      0,
      'stable',
      'DEFAULT',
    ],
    [
      'segment rule serving a variant: TARGETING_MATCH',
      flagWith([{ segment: { plan: 'internal' }, serve: { variant: 'canary' } }]),
      { plan: 'internal' },
      0,
      'canary',
      'TARGETING_MATCH',
    ],
    [
      'segment rule serving a split: TARGETING_MATCH',
      flagWith([{ segment: { plan: 'internal' }, ...everyoneCanary }]),
      { plan: 'internal', targetingKey: 'u1' },
      0,
      'canary',
      'TARGETING_MATCH',
    ],
    [
      'rule without segment serving a split: SPLIT',
      flagWith([everyoneCanary]),
      { targetingKey: 'u1' },
      0,
      'canary',
      'SPLIT',
    ],
    [
      'rule without segment serving a variant: TARGETING_MATCH',
      flagWith([{ window: { daily: '22:00-02:00' }, serve: { variant: 'canary' } }]),
      {},
      FRIDAY_23H,
      'canary',
      'TARGETING_MATCH',
    ],
    [
      'rule whose window is closed: skipped',
      flagWith([{ window: { daily: '22:00-02:00' }, serve: { variant: 'canary' } }]),
      {},
      FRIDAY_NOON,
      'stable',
      'DEFAULT',
    ],
    [
      'no default variant and no match: caller default, DEFAULT',
      flagWith([{ segment: { plan: 'internal' }, serve: { variant: 'canary' } }], { defaultVariant: null }),
      {},
      0,
      undefined,
      'DEFAULT',
    ],
    [
      'no default variant and no rules: caller default, DEFAULT (flagd agrees)',
      flagWith(undefined, { defaultVariant: undefined }),
      {},
      0,
      undefined,
      'DEFAULT',
    ],
  ])('%s', (_name, flag, context, now, variant, reason) => {
    const details = compileFlag(flag).evaluate(context, now);
    expect(details.variant).toBe(variant);
    expect(details.reason).toBe(reason);
    expect(details.value).toBe(variant === undefined ? undefined : flag.variants[variant]);
    expect(details.flagMetadata).toEqual({ owner: 'support' });
  });

  test('the first matching rule wins', () => {
    const flag = compileFlag(
      flagWith([
        { segment: { plan: 'internal' }, serve: { variant: 'canary' } },
        { segment: { plan: { in: ['internal', 'free'] } }, serve: { variant: 'stable' } },
      ]),
    );
    expect(flag.evaluate({ plan: 'internal' }, 0).variant).toBe('canary');
    expect(flag.evaluate({ plan: 'free' }, 0)).toMatchObject({
      variant: 'stable',
      reason: 'TARGETING_MATCH',
    });
  });
});

describe('a disabled flag', () => {
  test('resolves to DISABLED without value or variant, keeping its metadata', () => {
    const details = compileFlag(flagWith([everyoneCanary], { state: 'DISABLED' })).evaluate(
      { targetingKey: 'u1' },
      0,
    );
    expect(details).toEqual({ reason: 'DISABLED', flagMetadata: { owner: 'support' } });
  });
});

describe('split bucketing', () => {
  const tenSplit = (bucketBy?: string): Rule => ({
    serve: {
      split: {
        ...(bucketBy ? { bucketBy } : {}),
        arms: [
          { variant: 'canary', weight: 10 },
          { variant: 'stable', weight: 90 },
        ],
      },
    },
  });

  test('buckets on flag key + targeting key', () => {
    const flag = compileFlag(flagWith([tenSplit()]));
    for (let i = 0; i < 500; i++) {
      const expected = bucketOf(`support-promptsuser-${i}`, TOTAL_BUCKETS) < 1000 ? 'canary' : 'stable';
      expect(flag.evaluate({ targetingKey: `user-${i}` }, 0).variant).toBe(expected);
    }
  });

  test('buckets on the bucketBy attribute, reaching into nested objects', () => {
    const flag = compileFlag(flagWith([tenSplit('session.id')]));
    const variants = new Set<string | undefined>();
    for (let i = 0; i < 200; i++) {
      const details = flag.evaluate({ targetingKey: 'same-user', session: { id: `s-${i}` } }, 0);
      expect(details.variant).toBe(
        bucketOf(`support-promptss-${i}`, TOTAL_BUCKETS) < 1000 ? 'canary' : 'stable',
      );
      variants.add(details.variant);
    }
    expect(variants.size).toBe(2);
  });

  test('numbers and booleans bucket by their text', () => {
    const flag = compileFlag(flagWith([tenSplit('tenant')]));
    expect(flag.evaluate({ tenant: 42 }, 0)).toBe(flag.evaluate({ tenant: '42' }, 0));
    expect(flag.evaluate({ tenant: true }, 0)).toBe(flag.evaluate({ tenant: 'true' }, 0));
  });

  test.each([
    ['missing', {}],
    ['null', { tenant: null }],
    ['an object', { tenant: { id: 1 } }],
  ])(
    'a unit whose bucketBy attribute is %s gets the default variant with DEFAULT, not a later rule',
    (_label, context) => {
      const flag = compileFlag(flagWith([tenSplit('tenant'), { serve: { variant: 'canary' } }]));
      expect(flag.evaluate({ targetingKey: 'u1', ...context }, 0)).toMatchObject({
        variant: 'stable',
        reason: 'DEFAULT',
      });
    },
  );

  test('a context without targetingKey gets the default variant from a split on targetingKey', () => {
    const flag = compileFlag(flagWith([everyoneCanary]));
    expect(flag.evaluate({}, 0)).toMatchObject({ variant: 'stable', reason: 'DEFAULT', value: '2.3.0' });
  });

  test('arms with zero weight never serve', () => {
    const flag = compileFlag(
      flagWith([
        {
          serve: {
            split: {
              arms: [
                { variant: 'canary', weight: 0 },
                { variant: 'stable', weight: 100 },
              ],
            },
          },
        },
      ]),
    );
    for (let i = 0; i < 500; i++)
      expect(flag.evaluate({ targetingKey: `user-${i}` }, 0).variant).toBe('stable');
  });
});

describe('matchers', () => {
  const matches = (matcher: Matcher, value: unknown, attribute = 'attr') =>
    compileFlag(flagWith([{ segment: { [attribute]: matcher }, serve: { variant: 'canary' } }])).evaluate(
      { [attribute.split('.')[0] as string]: value },
      0,
    ).variant === 'canary';

  test.each<[string, Matcher, unknown, boolean]>([
    ['equality is strict: "1" is not 1', 1, '1', false],
    ['equality on strings', 'internal', 'internal', true],
    ['equality on booleans', true, true, true],
    ['in is strict membership', { in: ['1', 2] }, 1, false],
    ['in finds a member', { in: ['1', 2] }, 2, true],
    ['startsWith on a string', { startsWith: 'ops-' }, 'ops-team', true],
    ['startsWith needs a string', { startsWith: '1' }, 12, false],
    ['endsWith on a string', { endsWith: '@example.com' }, 'ana@example.com', true],
    ['endsWith rejects other suffixes', { endsWith: '@example.com' }, 'ana@example.org', false],
    ['semver >=', { semver: '>= 2.4.0' }, '2.10.0', true],
    ['semver < with prerelease', { semver: '< 2.4.0' }, '2.4.0-rc.1', true],
    ['semver ^ needs the same major', { semver: '^2.4.0' }, '3.0.0', false],
    ['semver ^ needs at least the version', { semver: '^2.4.0' }, '2.3.9', false],
    ['semver ^ accepts a later minor', { semver: '^2.4.0' }, '2.9.1', true],
    ['semver ~ needs the same minor', { semver: '~2.4.0' }, '2.5.0', false],
    ['semver ~ accepts a later patch', { semver: '~2.4.0' }, '2.4.7', true],
    ['semver != ', { semver: '!= 1.0.0' }, '1.0.1', true],
    ['semver needs a valid version', { semver: '>= 1.0.0' }, '2.0', false],
    ['semver needs a string', { semver: '>= 1.0.0' }, 2, false],
    ['numeric bounds inclusive', { gte: 1, lte: 5 }, 5, true],
    ['numeric bounds exclusive', { gt: 1, lt: 5 }, 5, false],
    ['numeric bounds need a number', { gte: 1 }, '3', false],
  ])('%s', (_name, matcher, value, expected) => {
    expect(matches(matcher, value)).toBe(expected);
  });

  test('a missing attribute never matches, whatever the matcher', () => {
    const flag = compileFlag(flagWith([{ segment: { plan: { gte: 0 } }, serve: { variant: 'canary' } }]));
    expect(flag.evaluate({}, 0).variant).toBe('stable');
  });

  test('dotted attribute names traverse nested objects', () => {
    expect(matches('Ana', { name: 'Ana' }, 'user.name')).toBe(true);
    expect(matches('Ana', { name: 'Bob' }, 'user.name')).toBe(false);
    expect(matches('Ana', 'not an object', 'user.name')).toBe(false);
    expect(matches('Ana', null, 'user.name')).toBe(false);
  });

  test('every attribute of a segment must match', () => {
    const flag = compileFlag(
      flagWith([{ segment: { plan: 'internal', region: 'eu' }, serve: { variant: 'canary' } }]),
    );
    expect(flag.evaluate({ plan: 'internal', region: 'eu' }, 0).variant).toBe('canary');
    expect(flag.evaluate({ plan: 'internal', region: 'us' }, 0).variant).toBe('stable');
  });
});

describe('results', () => {
  test('are frozen and shared, and object values cannot be edited through them', () => {
    const flag = compileFlag({
      key: 'model-config',
      state: 'ENABLED',
      variants: { a: { model: 'small', params: { temperature: 0 } } },
      defaultVariant: 'a',
    });
    const first = flag.evaluate({}, 0);
    expect(flag.evaluate({ targetingKey: 'x' }, 1)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    const value = first.value as { params: { temperature: number } };
    expect(() => {
      value.params.temperature = 1;
    }).toThrow(TypeError);
    expect(flag.flag.variants.a).toEqual({ model: 'small', params: { temperature: 0 } });
  });

  test('compiling a flag that serves an undefined variant throws a FlagValidationError naming the rule', () => {
    expect(() => compileFlag(flagWith([{ serve: { variant: 'ghost' } }]))).toThrow(FlagValidationError);
    expect(() => compileFlag(flagWith([{ serve: { variant: 'ghost' } }]))).toThrow(
      /rules\[0\]\.serve\.variant/,
    );
  });
});
