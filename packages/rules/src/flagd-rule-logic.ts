/**
 * Compiles Prompt Canary rules into flagd JsonLogic that picks the same variant as the rules for every context and
 * every `now`.
 *
 * JsonLogic coerces where our matchers are strict, and json-logic-engine throws where a comparison meets an
 * object, an array or a non-numeric string. Each matcher is therefore guarded so that it is `false` (never an
 * error) for values our evaluator would not match, using only operators every flagd evaluator has.
 */
import { TOTAL_BUCKETS, weightToBuckets } from './bucketing.js';
import type { Condition, JsonValue, Matcher, Rule, Serve, Split, TimeWindow } from './model.js';
import { parseSemverMatcher } from './semver-matcher.js';
import { checkDailyWindow, checkTimestamp, WEEKDAYS } from './time-window.js';

/** A JsonLogic expression. */
export type JsonLogic = JsonValue;

const SECONDS_PER_DAY = 86400;
/** Day 0 of unix time, 1970-01-01, was a Thursday (Sunday being 0). */
const EPOCH_WEEKDAY = 4;
/** What `cat` makes of any JSON object: the one text that tells an object from a number without throwing. */
const OBJECT_TEXT = '[object Object]';

const variable = (name: string): JsonLogic => ({ var: name });
const text = (value: JsonLogic): JsonLogic => ({ cat: [value] });
const and = (parts: JsonLogic[]): JsonLogic =>
  parts.length === 1 ? (parts[0] as JsonLogic) : { and: parts };

/** True only for strings: `cat` returns a string unchanged and turns anything else into a different value. */
function isString(value: JsonLogic): JsonLogic {
  return { '===': [text(value), value] };
}

/**
 * True only for numbers. `{"===": [{"+": [x]}, x]}` alone is true only for numbers but throws on arrays, objects
 * and non-numeric strings, so those are ruled out first (`and` stops at the first false): an array is never an
 * element of its own flattening, a string is its own `cat`, an object's `cat` is `[object Object]`.
 */
function isNumber(value: JsonLogic): JsonLogic {
  return {
    and: [
      { in: [value, { merge: [value] }] },
      { '!==': [text(value), value] },
      { '!==': [text(value), OBJECT_TEXT] },
      { '===': [{ '+': [value] }, value] },
    ],
  };
}

/** True for the values a split can bucket by: strings, numbers and booleans (never null, objects or arrays). */
function isBucketable(value: JsonLogic): JsonLogic {
  return { or: [isString(value), { in: [value, [true, false]] }, isNumber(value)] };
}

/** Whether flagd's lenient `sem_ver` parses a value: comparing it with itself is `null` when it does not. */
function flagdParsesVersion(value: JsonLogic): JsonLogic {
  return { sem_ver: [value, '=', value] };
}

/**
 * True for the values our `semver` matcher reads as a version: strings that are strict SemVer (a leading `v`
 * allowed). flagd's `sem_ver` is more lenient (it also takes numbers, a leading `V`, partial versions such as `1.2`),
 * so the value is first checked with two probes flagd can evaluate: with a `v` prepended, flagd strips exactly that
 * `v` and so parses what strict SemVer parses, plus bare partial versions; with `0.` prepended, a strict version
 * gains a fourth part and stops parsing, while a bare partial version (`1`, `1.2`) still parses.
 */
function isStrictVersion(value: JsonLogic): JsonLogic {
  return {
    and: [
      isString(value),
      flagdParsesVersion({ cat: ['v', value] }),
      { '!': [flagdParsesVersion({ cat: ['0.', value] })] },
    ],
  };
}

/**
 * A `semver` matcher over flagd's `sem_ver`. Our `^` and `~` also require the value to be at least the target
 * (`^2.1.0` does not match `2.0.0`), where flagd's compare only the major (and minor) parts.
 */
function semverLogic(value: JsonLogic, matcher: string): JsonLogic {
  const parsed = parseSemverMatcher(matcher);
  if (!parsed.ok) throw new Error(parsed.problem);
  const target = parsed.version.version;
  const compare = (operator: string): JsonLogic => ({ sem_ver: [value, operator, target] });
  const parts = [isStrictVersion(value), compare(parsed.operator)];
  if (parsed.operator === '^' || parsed.operator === '~') parts.push(compare('>='));
  return { and: parts };
}

function matcherLogic(value: JsonLogic, matcher: Matcher): JsonLogic {
  if (typeof matcher !== 'object') return { '===': [value, matcher] };
  if ('in' in matcher) return { in: [value, [...matcher.in]] };
  if ('startsWith' in matcher) return { starts_with: [value, matcher.startsWith] };
  if ('endsWith' in matcher) return { ends_with: [value, matcher.endsWith] };
  if ('semver' in matcher) return semverLogic(value, matcher.semver);
  const parts: JsonLogic[] = [isNumber(value)];
  if (matcher.gt !== undefined) parts.push({ '>': [value, matcher.gt] });
  if (matcher.gte !== undefined) parts.push({ '>=': [value, matcher.gte] });
  if (matcher.lt !== undefined) parts.push({ '<': [value, matcher.lt] });
  if (matcher.lte !== undefined) parts.push({ '<=': [value, matcher.lte] });
  return and(parts);
}

/** The JsonLogic of a segment condition: every attribute matches (missing attributes read as `null`). */
export function conditionLogic(condition: Condition): JsonLogic[] {
  return Object.entries(condition).map(([attribute, matcher]) => matcherLogic(variable(attribute), matcher));
}

const TIMESTAMP: JsonLogic = variable('$flagd.timestamp');

/** Seconds since midnight UTC, in [0, 86400) even before 1970. */
const SECOND_OF_DAY: JsonLogic = {
  '%': [{ '+': [{ '%': [TIMESTAMP, SECONDS_PER_DAY] }, SECONDS_PER_DAY] }, SECONDS_PER_DAY],
};

/** Whole days since 1970-01-01 (exact: the timestamp minus its second of day is a multiple of a day). */
const DAY_NUMBER: JsonLogic = { '/': [{ '-': [TIMESTAMP, SECOND_OF_DAY] }, SECONDS_PER_DAY] };

function weekdayIn(dayNumber: JsonLogic, weekdays: number[]): JsonLogic {
  const shifted = { '%': [{ '+': [dayNumber, EPOCH_WEEKDAY] }, 7] };
  return { in: [{ '%': [{ '+': [shifted, 7] }, 7] }, weekdays] };
}

function checked<T>(result: { ok: true; value: T } | { ok: false; problem: string }): T {
  if (!result.ok) throw new Error(result.problem);
  return result.value;
}

/** The JsonLogic of a time window over `$flagd.timestamp` (unix seconds). */
export function windowLogic(window: TimeWindow): JsonLogic[] {
  const parts: JsonLogic[] = [];
  if (window.from !== undefined) {
    parts.push({ '>=': [TIMESTAMP, checked(checkTimestamp(window.from)) / 1000] });
  }
  if (window.until !== undefined) {
    parts.push({ '<': [TIMESTAMP, checked(checkTimestamp(window.until)) / 1000] });
  }
  const weekdays = window.days?.map((day) => WEEKDAYS.indexOf(day));
  const onDay = (dayNumber: JsonLogic): JsonLogic[] =>
    weekdays === undefined ? [] : [weekdayIn(dayNumber, weekdays)];
  if (window.daily === undefined) {
    parts.push(...onDay(DAY_NUMBER));
    return parts;
  }
  const { startMinute, endMinute } = checked(checkDailyWindow(window.daily));
  const start = startMinute * 60;
  const end = endMinute * 60;
  if (start < end) {
    parts.push({ '<=': [start, SECOND_OF_DAY] }, { '<': [SECOND_OF_DAY, end] }, ...onDay(DAY_NUMBER));
    return parts;
  }
  // A window that wraps midnight is open from its start to midnight on a listed day, and from midnight to its end
  // on the day after one: the day it started is what `days` restricts.
  const yesterday: JsonLogic = { '-': [DAY_NUMBER, 1] };
  parts.push({
    or: [
      and([{ '>=': [SECOND_OF_DAY, start] }, ...onDay(DAY_NUMBER)]),
      and([{ '<': [SECOND_OF_DAY, end] }, ...onDay(yesterday)]),
    ],
  });
  return parts;
}

/**
 * The JsonLogic of a split: flagd's `fractional` over `flagKey + bucket value` (the split's `seed` in place of the
 * flag key when it has one), arms as integer buckets out of
 * 10,000 in listed order, guarded so that a missing, null or object bucket value yields `null` (the default
 * variant), as our evaluator serves it.
 */
export function splitLogic(split: Split): JsonLogic {
  const bucketValue = variable(split.bucketBy ?? 'targetingKey');
  const arms: JsonLogic[] = split.arms.map((arm) => [arm.variant, weightToBuckets(arm.weight)]);
  const total = split.arms.reduce((sum, arm) => sum + weightToBuckets(arm.weight), 0);
  if (total !== TOTAL_BUCKETS) throw new Error(`split weights add up to ${total / 100}%, not 100%`);
  const hashInput: JsonLogic = { cat: [split.seed ?? variable('$flagd.flagKey'), bucketValue] };
  return { if: [isBucketable(bucketValue), { fractional: [hashInput, ...arms] }, null] };
}

function serveLogic(serve: Serve): JsonLogic {
  return 'variant' in serve ? serve.variant : splitLogic(serve.split);
}

/** The condition of a rule: its segment and its window; `true` for a rule without either. */
export function ruleConditionLogic(rule: Rule): JsonLogic {
  const parts = [
    ...(rule.segment === undefined ? [] : conditionLogic(rule.segment)),
    ...(rule.window === undefined ? [] : windowLogic(rule.window)),
  ];
  return parts.length === 0 ? true : and(parts);
}

/**
 * flagd targeting equivalent to an ordered rule list: an `if` chain in which the first matching rule serves its
 * variant or split, and `null` (flagd's "default variant") when none matches. Rules after one without conditions
 * are unreachable and left out. `undefined` for an empty rule list (a static flag).
 *
 * @example
 * rulesToTargeting([{ segment: { plan: 'internal' }, serve: { variant: 'canary' } }]);
 * // { if: [{ '===': [{ var: 'plan' }, 'internal'] }, 'canary', null] }
 */
export function rulesToTargeting(rules: ReadonlyArray<Rule>): JsonLogic | undefined {
  if (rules.length === 0) return undefined;
  const branches: JsonLogic[] = [];
  for (const rule of rules) {
    const condition = ruleConditionLogic(rule);
    if (condition === true) {
      // flagd's schema wants targeting to be an object, so a lone variant name stays inside an `if`.
      if (branches.length === 0)
        return 'split' in rule.serve ? serveLogic(rule.serve) : { if: [true, rule.serve.variant] };
      branches.push(serveLogic(rule.serve));
      return { if: branches };
    }
    branches.push(condition, serveLogic(rule.serve));
  }
  branches.push(null);
  return { if: branches };
}
