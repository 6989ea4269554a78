/**
 * The flag model of Prompt Canary: what a flag is, independent of how it is stored or served.
 *
 * A flag holds named variants, a default variant, a whole-flag state (the kill switch), ordered rules and
 * metadata. Flags imported from flagd keep their JsonLogic `targeting` instead of `rules`, so that they evaluate
 * exactly as flagd would.
 */

/** A JSON value as flags and contexts carry them. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A variant's value: prompt versions are strings such as `"2.4.0"`; flags may also serve numbers, booleans, objects. */
export type FlagValue = string | number | boolean | { [key: string]: JsonValue } | JsonValue[];

/** Metadata attached to a flag and returned with every evaluation (`flagMetadata`). */
export type FlagMetadata = Record<string, string | number | boolean>;

/** Whole-flag state: `DISABLED` is the kill switch (every evaluation gets the caller's default). */
export type FlagState = 'ENABLED' | 'DISABLED';

/**
 * One attribute matcher. A bare scalar means equality; the object forms are mutually exclusive except the numeric
 * bounds, which may be combined (`{gte: 2, lt: 5}`).
 */
export type Matcher =
  | string
  | number
  | boolean
  | { in: Array<string | number | boolean> }
  | { startsWith: string }
  | { endsWith: string }
  | { semver: string }
  | { gt?: number; gte?: number; lt?: number; lte?: number };

/** A segment condition: every listed attribute must match (logical AND). Keys may use dots for nesting. */
export type Condition = Record<string, Matcher>;

/** Day of week, lowercase three-letter English abbreviation. */
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/**
 * A time window, evaluated against an injected `now` in UTC. All parts present must hold.
 * `daily` is `HH:MM-HH:MM`, start inclusive, end exclusive, and may wrap midnight (`22:00-02:00`).
 * `days` restricts to weekdays (for a wrapping window, the day the window *started* counts).
 * `from`/`until` are ISO timestamps on whole seconds, `from` inclusive, `until` exclusive.
 */
export interface TimeWindow {
  daily?: string;
  days?: Weekday[];
  from?: string;
  until?: string;
}

/** One arm of a weighted split. `weight` is a percentage with up to two decimals (0.01% resolution). */
export interface SplitArm {
  variant: string;
  weight: number;
}

/**
 * A weighted split, bucketed by a context attribute (`targetingKey` by default) hashed after the flag key (or `seed`). Arms are listed in bucket order:
 * the canary comes first so that raising its weight only adds units to it. Weights sum to 100.
 */
export interface Split {
  bucketBy?: string;
  /**
   * The text hashed before the bucketing value, `flagKey` when absent. Two flags whose splits share a seed, a
   * `bucketBy` and their arms' weights assign every unit alike: a pack's companion flag `<pack>.content` uses the
   * pack's name so that a unit gets the same version from both keys.
   */
  seed?: string;
  arms: SplitArm[];
}

/** What a rule serves when it matches: one variant, or a weighted split. */
export type Serve = { variant: string } | { split: Split };

/**
 * A rule. It matches when its segment condition and its time window (each optional) both hold. A rule with a
 * segment reports `TARGETING_MATCH`; one without a segment reports `SPLIT` for a split and `TARGETING_MATCH` for a
 * single variant.
 */
export interface Rule {
  name?: string;
  segment?: Condition;
  window?: TimeWindow;
  serve: Serve;
}

/** A flag in Prompt Canary's own model. */
export interface Flag {
  key: string;
  state: FlagState;
  variants: Record<string, FlagValue>;
  /** The variant served when no rule matches. Absent only on flags imported from flagd that have none. */
  defaultVariant?: string | null;
  rules?: Rule[];
  /**
   * flagd JsonLogic targeting for flags imported from flagd (with `$ref`s already resolved). A flag has either
   * `rules` or `targeting`, never both.
   */
  targeting?: JsonValue;
  metadata?: FlagMetadata;
}

/** A set of flags keyed by flag key. */
export type FlagSet = Record<string, Flag>;

/** OpenFeature resolution reasons used by this package. */
export type Reason = 'STATIC' | 'TARGETING_MATCH' | 'SPLIT' | 'DEFAULT' | 'DISABLED' | 'ERROR';

/** OpenFeature error codes used by this package. */
export type ErrorCode =
  | 'FLAG_NOT_FOUND'
  | 'TYPE_MISMATCH'
  | 'PARSE_ERROR'
  | 'TARGETING_KEY_MISSING'
  | 'INVALID_CONTEXT'
  | 'GENERAL';

/** The evaluation context: OpenFeature's, with `targetingKey` and arbitrary attributes. */
export type EvaluationContext = { targetingKey?: string } & Record<string, unknown>;

/**
 * The result of evaluating a flag, shaped like OpenFeature's resolution details. `value` and `variant` are absent
 * when the caller's default applies (disabled flag, no default variant, errors).
 */
export interface EvaluationDetails {
  readonly value?: FlagValue;
  readonly variant?: string;
  readonly reason: Reason;
  readonly errorCode?: ErrorCode;
  readonly errorMessage?: string;
  readonly flagMetadata: Readonly<FlagMetadata>;
}

/** The value types OpenFeature callers ask for. */
export type FlagValueType = 'string' | 'number' | 'boolean' | 'object';
