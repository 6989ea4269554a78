import { z } from 'zod';
import { parseSemverMatcher } from './semver-matcher.js';

type Problem = { path: (string | number)[]; message: string };

const EXCLUSIVE_KEYS = new Set(['in', 'startsWith', 'endsWith', 'semver']);
const BOUND_KEYS = new Set(['gt', 'gte', 'lt', 'lte']);
const MATCHER_FORMS = 'one of in, startsWith, endsWith, semver, or numeric bounds gt/gte/lt/lte';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function boundsProblem(bounds: Record<string, unknown>): Problem | undefined {
  for (const [key, bound] of Object.entries(bounds)) {
    if (typeof bound !== 'number' || !Number.isFinite(bound)) {
      return { path: [key], message: `${key} must be a finite number` };
    }
  }
  const { gt, gte, lt, lte } = bounds as { gt?: number; gte?: number; lt?: number; lte?: number };
  if (gt !== undefined && gte !== undefined) return { path: [], message: 'use gt or gte, not both' };
  if (lt !== undefined && lte !== undefined) return { path: [], message: 'use lt or lte, not both' };
  const low = gt ?? gte;
  const high = lt ?? lte;
  if (low !== undefined && high !== undefined) {
    const exclusive = gt !== undefined || lt !== undefined;
    if (low > high || (low === high && exclusive)) {
      const lowText = gt !== undefined ? `> ${gt}` : `>= ${gte}`;
      const highText = lt !== undefined ? `< ${lt}` : `<= ${lte}`;
      return { path: [], message: `numeric bounds are empty: no number is ${lowText} and ${highText}` };
    }
  }
  return undefined;
}

/**
 * Explains what is wrong with a matcher, or returns `undefined` for a valid one. Paths are relative to the matcher.
 */
export function matcherProblem(matcher: unknown): Problem | undefined {
  if (typeof matcher === 'string' || typeof matcher === 'boolean') return undefined;
  if (typeof matcher === 'number') {
    return Number.isFinite(matcher) ? undefined : { path: [], message: 'must be a finite number' };
  }
  if (!isPlainObject(matcher)) {
    return {
      path: [],
      message: `a matcher is a string, number or boolean (equality) or an object with ${MATCHER_FORMS}`,
    };
  }
  const keys = Object.keys(matcher);
  if (keys.length === 0) return { path: [], message: `empty matcher object: use ${MATCHER_FORMS}` };
  const unknown = keys.find((key) => !EXCLUSIVE_KEYS.has(key) && !BOUND_KEYS.has(key));
  if (unknown !== undefined) {
    return { path: [unknown], message: `unknown matcher "${unknown}": expected ${MATCHER_FORMS}` };
  }
  if (keys.length > 1 && keys.some((key) => EXCLUSIVE_KEYS.has(key))) {
    return { path: [], message: `matcher mixes "${keys[0]}" and "${keys[1]}": use exactly ${MATCHER_FORMS}` };
  }
  const key = keys[0] as string;
  const operand = matcher[key];
  switch (key) {
    case 'in': {
      if (!Array.isArray(operand)) return { path: ['in'], message: 'in must be a list of values' };
      if (operand.length === 0) return { path: ['in'], message: 'in list is empty, so it would never match' };
      const bad = operand.findIndex((item) => !['string', 'number', 'boolean'].includes(typeof item));
      if (bad >= 0)
        return { path: ['in', bad], message: 'in list items must be strings, numbers or booleans' };
      return undefined;
    }
    case 'startsWith':
    case 'endsWith':
      return typeof operand === 'string' ? undefined : { path: [key], message: `${key} must be a string` };
    case 'semver': {
      if (typeof operand !== 'string')
        return { path: ['semver'], message: 'semver must be a string such as ">= 2.4.0"' };
      const parsed = parseSemverMatcher(operand);
      return parsed.ok ? undefined : { path: ['semver'], message: parsed.problem };
    }
    default:
      return boundsProblem(matcher);
  }
}

/** Explains what is wrong with a context attribute name (`plan`, `user.email`), or returns `undefined`. */
export function attributeNameProblem(name: string): string | undefined {
  if (name === '') return 'attribute names must not be empty';
  if (name.split('.').includes('')) return `attribute name "${name}" has an empty part between dots`;
  return undefined;
}

const scalarSchema = z.union([z.string(), z.number(), z.boolean()]);

/**
 * One attribute matcher: a bare string, number or boolean (strict equality), `{in: [...]}`, `{startsWith}`,
 * `{endsWith}`, `{semver: "OP VERSION"}` or numeric bounds `{gt?, gte?, lt?, lte?}`. A guard runs first so each kind
 * of mistake gets its own message rather than a generic "no union member matched".
 */
export const matcherSchema = z.preprocess(
  (value, ctx) => {
    const problem = matcherProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem.message, path: problem.path, input: value });
    return value;
  },
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.strictObject({ in: z.array(scalarSchema).min(1) }),
    z.strictObject({ startsWith: z.string() }),
    z.strictObject({ endsWith: z.string() }),
    z.strictObject({ semver: z.string() }),
    z.strictObject({
      gt: z.number().optional(),
      gte: z.number().optional(),
      lt: z.number().optional(),
      lte: z.number().optional(),
    }),
  ]),
);

/** An attribute name (dots reach into nested objects, as JsonLogic's `var` does). */
export const attributeNameSchema = z.string().superRefine((name, ctx) => {
  const problem = attributeNameProblem(name);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** A segment condition: attribute name → matcher; every attribute must match. At least one attribute. */
export const conditionSchema = z.record(z.string(), matcherSchema).superRefine((condition, ctx) => {
  const names = Object.keys(condition);
  if (names.length === 0) ctx.addIssue({ code: 'custom', message: 'a segment needs at least one attribute' });
  for (const name of names) {
    const problem = attributeNameProblem(name);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, path: [name] });
  }
});
