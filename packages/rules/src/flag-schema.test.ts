import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { FlagValidationError } from './errors.js';
import { flagSchema, parseFlag, validateFlag } from './flag-schema.js';

type Json = Record<string, unknown>;

function validFlag(): Json {
  return {
    key: 'support-prompts',
    state: 'ENABLED',
    variants: { stable: '2.3.0', canary: '2.4.0' },
    defaultVariant: 'stable',
    rules: [
      {
        name: 'internal first',
        segment: { plan: 'internal', 'app.version': { semver: '>= 1.2.0' }, seats: { gte: 1, lt: 50 } },
        window: { daily: '22:00-02:00', days: ['fri', 'sat'], from: '2025-06-01T00:00:00Z' },
        serve: { variant: 'canary' },
      },
      {
        serve: {
          split: {
            bucketBy: 'sessionId',
            arms: [
              { variant: 'canary', weight: 10.5 },
              { variant: 'stable', weight: 89.5 },
            ],
          },
        },
      },
    ],
    metadata: { owner: 'support', version: 3, beta: true },
  };
}

/** The rule-level objects of `validFlag`, typed loosely for the mutations below. */
const rule = (flag: Json, index: number) => (flag.rules as Json[])[index] as Json;
const split = (flag: Json) => (rule(flag, 1).serve as Json).split as Json;
const arms = (flag: Json) => split(flag).arms as Json[];

/** Applies `change` to a valid flag and returns the first issue reported. */
function firstIssue(change: (flag: Json) => void) {
  const flag = validFlag();
  change(flag);
  const result = validateFlag(flag);
  if (result.ok) throw new Error('expected the flag to be rejected');
  return result.issues[0];
}

describe('validateFlag', () => {
  test('accepts a flag using every feature', () => {
    const result = validateFlag(validFlag());
    expect(result.ok ? 'ok' : result.issues).toBe('ok');
  });

  test('accepts flagd-style flags with targeting and without a default variant', () => {
    const flag = {
      key: 'fractional-flag-A-shared-seed',
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: null,
      targeting: { if: [true, 'on'] },
    };
    expect(validateFlag(flag).ok).toBe(true);
  });

  const cases: Array<[string, (flag: Json) => void, (string | number)[], RegExp]> = [
    [
      'a key with a space',
      (f) => {
        f.key = 'support prompts';
      },
      ['key'],
      /flag key "support prompts" must start with a letter or digit/,
    ],
    [
      'a key starting with a dash',
      (f) => {
        f.key = '-x';
      },
      ['key'],
      /must start with a letter or digit/,
    ],
    [
      'a flag without variants',
      (f) => {
        f.variants = {};
        f.defaultVariant = null;
        f.rules = undefined;
      },
      ['variants'],
      /needs at least one variant/,
    ],
    [
      'a default variant that is not a variant',
      (f) => {
        f.defaultVariant = 'gone';
      },
      ['defaultVariant'],
      /default variant "gone" is not one of the variants \("stable", "canary"\)/,
    ],
    [
      'a split arm naming an unknown variant',
      (f) => {
        (arms(f)[0] as Json).variant = 'ghost';
      },
      ['rules', 1, 'serve', 'split', 'arms', 0, 'variant'],
      /split arm names variant "ghost"/,
    ],
    [
      'split weights not adding up to 100',
      (f) => {
        (arms(f)[1] as Json).weight = 80;
      },
      ['rules', 1, 'serve', 'split', 'arms'],
      /weights add up to 90.5, not 100/,
    ],
    [
      'a negative weight',
      (f) => {
        (arms(f)[0] as Json).weight = -10.5;
        (arms(f)[1] as Json).weight = 110.5;
      },
      ['rules', 1, 'serve', 'split', 'arms', 0, 'weight'],
      /is negative/,
    ],
    [
      'a weight above 100',
      (f) => {
        (arms(f)[0] as Json).weight = 100.5;
      },
      ['rules', 1, 'serve', 'split', 'arms', 0, 'weight'],
      /weight 100.5 exceeds 100/,
    ],
    [
      'a weight with three decimals',
      (f) => {
        (arms(f)[0] as Json).weight = 10.125;
      },
      ['rules', 1, 'serve', 'split', 'arms', 0, 'weight'],
      /more than two decimals/,
    ],
    [
      'two arms for one variant',
      (f) => {
        (arms(f)[1] as Json).variant = 'canary';
      },
      ['rules', 1, 'serve', 'split', 'arms', 1, 'variant'],
      /variant "canary" already has an arm \(arms\[0\]\)/,
    ],
    [
      'a split without arms',
      (f) => {
        split(f).arms = [];
      },
      ['rules', 1, 'serve', 'split', 'arms'],
      /needs at least one arm/,
    ],
    [
      'serving an unknown variant',
      (f) => {
        rule(f, 0).serve = { variant: 'ghost' };
      },
      ['rules', 0, 'serve', 'variant'],
      /serves variant "ghost", which is not one of the variants/,
    ],
    [
      'serving both a variant and a split',
      (f) => {
        rule(f, 0).serve = { variant: 'canary', split: split(f) };
      },
      ['rules', 0, 'serve'],
      /both a variant and a split/,
    ],
    [
      'an hour of 25',
      (f) => {
        (rule(f, 0).window as Json).daily = '25:00-02:00';
      },
      ['rules', 0, 'window', 'daily'],
      /start hour 25 is out of range 00-23/,
    ],
    [
      'a minute of 60',
      (f) => {
        (rule(f, 0).window as Json).daily = '12:60-13:00';
      },
      ['rules', 0, 'window', 'daily'],
      /start minute 60 is out of range 00-59/,
    ],
    [
      'a one-digit hour',
      (f) => {
        (rule(f, 0).window as Json).daily = '9:00-17:00';
      },
      ['rules', 0, 'window', 'daily'],
      /expected HH:MM-HH:MM with two-digit hours/,
    ],
    [
      'a daily window that starts when it ends',
      (f) => {
        (rule(f, 0).window as Json).daily = '10:00-10:00';
      },
      ['rules', 0, 'window', 'daily'],
      /nonsense window/,
    ],
    [
      'from not before until',
      (f) => {
        (rule(f, 0).window as Json).until = '2025-06-01T00:00:00Z';
      },
      ['rules', 0, 'window', 'until'],
      /from \(2025-06-01T00:00:00Z\) must be before until/,
    ],
    [
      'a timestamp that is not ISO',
      (f) => {
        (rule(f, 0).window as Json).from = 'June 1st';
      },
      ['rules', 0, 'window', 'from'],
      /"June 1st" is not an ISO timestamp/,
    ],
    [
      'a timestamp on an impossible date',
      (f) => {
        (rule(f, 0).window as Json).from = '2025-02-30T00:00:00Z';
      },
      ['rules', 0, 'window', 'from'],
      /is not a valid date/,
    ],
    [
      'a timestamp with milliseconds',
      (f) => {
        (rule(f, 0).window as Json).from = '2025-06-01T00:00:00.250Z';
      },
      ['rules', 0, 'window', 'from'],
      /not on a whole second/,
    ],
    [
      'an empty days list',
      (f) => {
        (rule(f, 0).window as Json).days = [];
      },
      ['rules', 0, 'window', 'days'],
      /at least one weekday/,
    ],
    [
      'a day listed twice',
      (f) => {
        (rule(f, 0).window as Json).days = ['fri', 'sat', 'fri'];
      },
      ['rules', 0, 'window', 'days', 2],
      /"fri" is listed twice/,
    ],
    [
      'an unknown weekday',
      (f) => {
        (rule(f, 0).window as Json).days = ['friday'];
      },
      ['rules', 0, 'window', 'days', 0],
      /unknown weekday "friday"/,
    ],
    [
      'an empty window',
      (f) => {
        rule(f, 0).window = {};
      },
      ['rules', 0, 'window'],
      /at least one of daily, days, from, until/,
    ],
    [
      'a semver matcher without operator',
      (f) => {
        (rule(f, 0).segment as Json)['app.version'] = { semver: '1.2.0' };
      },
      ['rules', 0, 'segment', 'app.version', 'semver'],
      /must be "OP VERSION"/,
    ],
    [
      'a semver matcher with an unknown operator',
      (f) => {
        (rule(f, 0).segment as Json)['app.version'] = { semver: '=> 1.2.0' };
      },
      ['rules', 0, 'segment', 'app.version', 'semver'],
      /must be "OP VERSION"/,
    ],
    [
      'a semver matcher with an invalid version',
      (f) => {
        (rule(f, 0).segment as Json)['app.version'] = { semver: '>= 1.2' };
      },
      ['rules', 0, 'segment', 'app.version', 'semver'],
      /"1.2" in semver matcher ">= 1.2" is not a valid semantic version/,
    ],
    [
      'an empty in list',
      (f) => {
        (rule(f, 0).segment as Json).plan = { in: [] };
      },
      ['rules', 0, 'segment', 'plan', 'in'],
      /in list is empty/,
    ],
    [
      'an unknown matcher key',
      (f) => {
        (rule(f, 0).segment as Json).plan = { contains: 'x' };
      },
      ['rules', 0, 'segment', 'plan', 'contains'],
      /unknown matcher "contains"/,
    ],
    [
      'a matcher mixing kinds',
      (f) => {
        (rule(f, 0).segment as Json).plan = { in: ['a'], startsWith: 'b' };
      },
      ['rules', 0, 'segment', 'plan'],
      /matcher mixes "in" and "startsWith"/,
    ],
    [
      'a matcher mixing in and bounds',
      (f) => {
        (rule(f, 0).segment as Json).seats = { gte: 1, in: [2] };
      },
      ['rules', 0, 'segment', 'seats'],
      /matcher mixes "gte" and "in"/,
    ],
    [
      'numeric bounds that hold no number',
      (f) => {
        (rule(f, 0).segment as Json).seats = { gt: 5, lt: 3 };
      },
      ['rules', 0, 'segment', 'seats'],
      /numeric bounds are empty: no number is > 5 and < 3/,
    ],
    [
      'equal exclusive bounds',
      (f) => {
        (rule(f, 0).segment as Json).seats = { gt: 5, lte: 5 };
      },
      ['rules', 0, 'segment', 'seats'],
      /no number is > 5 and <= 5/,
    ],
    [
      'a null matcher',
      (f) => {
        (rule(f, 0).segment as Json).plan = null;
      },
      ['rules', 0, 'segment', 'plan'],
      /a matcher is a string, number or boolean/,
    ],
    [
      'an empty segment',
      (f) => {
        rule(f, 0).segment = {};
      },
      ['rules', 0, 'segment'],
      /at least one attribute/,
    ],
    [
      'rules and targeting together',
      (f) => {
        f.targeting = { if: [true, 'canary'] };
      },
      ['targeting'],
      /rules or targeting, not both/,
    ],
    [
      'an unknown top-level field',
      (f) => {
        f.rollout = {};
      },
      ['rollout'],
      /unknown field "rollout"/,
    ],
    [
      'an unknown field in a rule',
      (f) => {
        rule(f, 0).when = 'now';
      },
      ['rules', 0, 'when'],
      /unknown field "when"/,
    ],
    [
      'an unknown field in a split arm',
      (f) => {
        (arms(f)[0] as Json).sticky = true;
      },
      ['rules', 1, 'serve', 'split', 'arms', 0, 'sticky'],
      /unknown field "sticky"/,
    ],
    [
      'an object metadata value',
      (f) => {
        f.metadata = { owner: { team: 'x' } };
      },
      ['metadata', 'owner'],
      /metadata values must be strings, numbers or booleans/,
    ],
    [
      'a null variant value',
      (f) => {
        (f.variants as Json).stable = null;
      },
      ['variants', 'stable'],
      /variant value must be a string, number, boolean, object or array/,
    ],
    [
      'an unknown state',
      (f) => {
        f.state = 'OFF';
      },
      ['state'],
      /state must be "ENABLED" or "DISABLED"/,
    ],
    [
      'a missing key',
      (f) => {
        f.key = undefined;
      },
      ['key'],
      /is required/,
    ],
    [
      'a bucketBy with an empty part',
      (f) => {
        split(f).bucketBy = 'user..id';
      },
      ['rules', 1, 'serve', 'split', 'bucketBy'],
      /empty part between dots/,
    ],
  ];

  test.each(cases)('rejects %s with its own reason and path', (_name, change, path, message) => {
    const issue = firstIssue(change);
    expect(issue?.path).toEqual(path);
    expect(issue?.message).toMatch(message);
  });

  test('gives each rejected class a message of its own', () => {
    const messages = cases.map(([, change]) => firstIssue(change)?.message);
    const generic = messages.filter((message) => message === undefined || /^Invalid input/.test(message));
    expect(generic).toEqual([]);
  });

  test('accepts metadata with scalar values only', () => {
    const flag = validFlag();
    flag.metadata = { a: 'x', b: 1.5, c: false };
    expect(validateFlag(flag).ok).toBe(true);
  });
});

describe('parseFlag', () => {
  test('returns the flag when it is valid', () => {
    expect(parseFlag(validFlag()).key).toBe('support-prompts');
  });

  test('throws a FlagValidationError whose message names the first offending path', () => {
    const flag = validFlag();
    (arms(flag)[0] as Json).variant = 'ghost';
    let thrown: unknown;
    try {
      parseFlag(flag);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(FlagValidationError);
    expect((thrown as FlagValidationError).message).toMatch(
      /^Invalid flag at rules\[1\]\.serve\.split\.arms\[0\]\.variant: /,
    );
    expect((thrown as FlagValidationError).issues[0]?.path).toEqual([
      'rules',
      1,
      'serve',
      'split',
      'arms',
      0,
      'variant',
    ]);
  });
});

describe('flagSchema', () => {
  test('converts to JSON Schema for OpenAPI, for requests and for responses', () => {
    for (const io of ['input', 'output'] as const) {
      const schema = z.toJSONSchema(flagSchema, { io }) as {
        properties: Record<string, unknown>;
        additionalProperties: unknown;
      };
      expect(Object.keys(schema.properties)).toEqual([
        'key',
        'state',
        'variants',
        'defaultVariant',
        'rules',
        'targeting',
        'metadata',
      ]);
      expect(schema.additionalProperties).toBe(false);
      expect(JSON.stringify(schema)).toContain('"startsWith"');
    }
  });
});
