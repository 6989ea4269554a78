import type { Condition, EvaluationContext, Matcher } from './model.js';
import { compileSemverMatcher } from './semver-matcher.js';

/** Reads a context attribute; a name with dots walks into nested objects (`user.plan`), like JsonLogic's `var`. */
export type AttributeReader = (context: EvaluationContext) => unknown;

/** Builds the reader of an attribute name, resolving the dots once. */
export function compileAttributeReader(name: string): AttributeReader {
  const parts = name.split('.');
  if (parts.length === 1) return (context) => context[name];
  return (context) => {
    let current: unknown = context;
    for (let i = 0; i < parts.length; i++) {
      if (typeof current !== 'object' || current === null) return undefined;
      current = (current as Record<string, unknown>)[parts[i] as string];
    }
    return current;
  };
}

type Predicate = (value: unknown) => boolean;

function compileMatcher(matcher: Matcher): Predicate {
  if (typeof matcher !== 'object') return (value) => value === matcher;
  if ('in' in matcher) {
    const members = new Set<unknown>(matcher.in);
    return (value) => members.has(value);
  }
  if ('startsWith' in matcher) {
    const prefix = matcher.startsWith;
    return (value) => typeof value === 'string' && value.startsWith(prefix);
  }
  if ('endsWith' in matcher) {
    const suffix = matcher.endsWith;
    return (value) => typeof value === 'string' && value.endsWith(suffix);
  }
  if ('semver' in matcher) return compileSemverMatcher(matcher.semver);
  const gt = matcher.gt ?? Number.NEGATIVE_INFINITY;
  const gte = matcher.gte ?? Number.NEGATIVE_INFINITY;
  const lt = matcher.lt ?? Number.POSITIVE_INFINITY;
  const lte = matcher.lte ?? Number.POSITIVE_INFINITY;
  const strictLow = matcher.gt !== undefined;
  const strictHigh = matcher.lt !== undefined;
  return (value) =>
    typeof value === 'number' &&
    (strictLow ? value > gt : value >= gte) &&
    (strictHigh ? value < lt : value <= lte);
}

/** A segment condition prepared for evaluation. */
export interface CompiledCondition {
  /** True when every attribute is present in the context and matches. */
  matches(context: EvaluationContext): boolean;
}

class PreparedCondition implements CompiledCondition {
  constructor(
    private readonly readers: ReadonlyArray<AttributeReader>,
    private readonly predicates: ReadonlyArray<Predicate>,
  ) {}

  matches(context: EvaluationContext): boolean {
    const readers = this.readers;
    for (let i = 0; i < readers.length; i++) {
      const value = (readers[i] as AttributeReader)(context);
      // A missing attribute never matches, whatever the matcher (strict equality with `undefined` included).
      if (value === undefined || !(this.predicates[i] as Predicate)(value)) return false;
    }
    return true;
  }
}

/**
 * Compiles a segment condition: all attributes must match (logical AND). Scalars compare with `===`; `in` is
 * strict membership; `startsWith`/`endsWith` need a string; `semver` a valid semantic version string; numeric
 * bounds a number.
 */
export function compileCondition(condition: Condition): CompiledCondition {
  const names = Object.keys(condition);
  return new PreparedCondition(
    names.map(compileAttributeReader),
    names.map((name) => compileMatcher(condition[name] as Matcher)),
  );
}
