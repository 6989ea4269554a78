import semver from 'semver';

/** Operators of a `semver` matcher: comparisons, plus `^` (same major, at least) and `~` (same minor, at least). */
export type SemverOperator = '=' | '!=' | '<' | '<=' | '>' | '>=' | '^' | '~';

/** The two-character operators come first so that `<=` is not read as `<` followed by `=1.0.0`. */
const SEMVER_MATCHER_PATTERN = /^(!=|<=|>=|=|<|>|\^|~)\s*(\S+)$/;

/** A parsed `semver` matcher, or the reason it cannot be parsed. */
export type ParsedSemverMatcher =
  | { ok: true; operator: SemverOperator; version: semver.SemVer }
  | { ok: false; problem: string };

/**
 * Parses a semver matcher text such as `">= 2.4.0"` or `"^2.0.0"` (whitespace after the operator is optional).
 */
export function parseSemverMatcher(text: string): ParsedSemverMatcher {
  const match = SEMVER_MATCHER_PATTERN.exec(text.trim());
  if (!match) {
    return {
      ok: false,
      problem: `semver matcher "${text}" must be "OP VERSION" with OP one of =, !=, <, <=, >, >=, ^, ~ (e.g. ">= 2.4.0")`,
    };
  }
  const version = semver.parse(match[2]);
  if (version === null) {
    return {
      ok: false,
      problem: `"${match[2]}" in semver matcher "${text}" is not a valid semantic version`,
    };
  }
  return { ok: true, operator: match[1] as SemverOperator, version };
}

/**
 * Builds the predicate of a validated semver matcher. Values that are not strings holding a valid semantic version
 * never match.
 */
export function compileSemverMatcher(text: string): (value: unknown) => boolean {
  const parsed = parseSemverMatcher(text);
  if (!parsed.ok) throw new Error(parsed.problem);
  const { operator, version: target } = parsed;
  return (value) => {
    if (typeof value !== 'string') return false;
    const actual = semver.parse(value);
    if (actual === null) return false;
    const order = semver.compare(actual, target);
    switch (operator) {
      case '=':
        return order === 0;
      case '!=':
        return order !== 0;
      case '<':
        return order < 0;
      case '<=':
        return order <= 0;
      case '>':
        return order > 0;
      case '>=':
        return order >= 0;
      case '^':
        return actual.major === target.major && order >= 0;
      case '~':
        return actual.major === target.major && actual.minor === target.minor && order >= 0;
    }
  };
}
