import { z } from 'zod';
import { hasAtMostTwoDecimals, TOTAL_BUCKETS, weightToBuckets } from './bucketing.js';
import { attributeNameSchema, conditionSchema } from './condition-schema.js';
import { FlagValidationError, type FlagValidationIssue } from './errors.js';
import type { Flag } from './model.js';
import { checkDailyWindow, checkTimestamp } from './time-window.js';

/**
 * Flag keys: a letter or digit, then up to 127 letters, digits and `.`, `_`, `-`, `:`, `/`. Wider than the PromptPack
 * name syntax (`[a-z0-9][a-z0-9._-]{0,62}`, which it contains) so that flags imported from flagd keep their keys
 * (flagd's own test flags use uppercase) and teams can namespace keys (`checkout/support-prompts`,
 * `team:prompt`). Keys are case-sensitive.
 */
export const FLAG_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;

/** A flag key, see `FLAG_KEY_PATTERN`. */
export const flagKeySchema = z.string().regex(FLAG_KEY_PATTERN, {
  error: (issue) =>
    `flag key ${JSON.stringify(issue.input)} must start with a letter or digit and contain only letters, digits, ` +
    '".", "_", "-", ":" and "/" (at most 128 characters)',
});

/** A variant's value: string, number, boolean, object or array (not null). */
export const flagValueSchema = z.union(
  [z.string(), z.number(), z.boolean(), z.array(z.json()), z.record(z.string(), z.json())],
  {
    error: 'a variant value must be a string, number, boolean, object or array (not null)',
  },
);

/** Flag metadata: names to scalar values. */
export const flagMetadataSchema = z.record(
  z.string(),
  z.union([z.string(), z.number(), z.boolean()], {
    error: 'metadata values must be strings, numbers or booleans',
  }),
);

/** A weekday, `mon` to `sun`. */
export const weekdaySchema = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], {
  error: (issue) =>
    `unknown weekday ${JSON.stringify(issue.input)}: expected mon, tue, wed, thu, fri, sat or sun`,
});

const dailySchema = z.string().superRefine((text, ctx) => {
  const checked = checkDailyWindow(text);
  if (!checked.ok) ctx.addIssue({ code: 'custom', message: checked.problem });
});

const timestampSchema = z.string().superRefine((text, ctx) => {
  const checked = checkTimestamp(text);
  if (!checked.ok) ctx.addIssue({ code: 'custom', message: checked.problem });
});

const daysSchema = z.array(weekdaySchema).superRefine((days, ctx) => {
  if (days.length === 0) ctx.addIssue({ code: 'custom', message: 'days must list at least one weekday' });
  days.forEach((day, index) => {
    if (days.indexOf(day) !== index) {
      ctx.addIssue({ code: 'custom', message: `"${day}" is listed twice in days`, path: [index] });
    }
  });
});

/** A time window: daily `HH:MM-HH:MM` UTC, weekdays, `from`/`until` ISO timestamps; at least one part. */
export const timeWindowSchema = z
  .strictObject({
    daily: dailySchema.optional(),
    days: daysSchema.optional(),
    from: timestampSchema.optional(),
    until: timestampSchema.optional(),
  })
  .superRefine((window, ctx) => {
    if (Object.keys(window).length === 0) {
      ctx.addIssue({ code: 'custom', message: 'a window needs at least one of daily, days, from, until' });
    }
    if (window.from !== undefined && window.until !== undefined) {
      const from = checkTimestamp(window.from);
      const until = checkTimestamp(window.until);
      if (from.ok && until.ok && from.value >= until.value) {
        ctx.addIssue({
          code: 'custom',
          message: `from (${window.from}) must be before until (${window.until})`,
          path: ['until'],
        });
      }
    }
  });

/** A split weight: a percentage from 0 to 100 with at most two decimals. */
export const weightSchema = z.number().superRefine((weight, ctx) => {
  if (weight < 0)
    ctx.addIssue({ code: 'custom', message: `weight ${weight} is negative: weights are 0 to 100` });
  else if (weight > 100) ctx.addIssue({ code: 'custom', message: `weight ${weight} exceeds 100` });
  else if (!hasAtMostTwoDecimals(weight)) {
    ctx.addIssue({
      code: 'custom',
      message: `weight ${weight} has more than two decimals (resolution is 0.01%)`,
    });
  }
});

/** One arm of a split. */
export const splitArmSchema = z.strictObject({ variant: z.string(), weight: weightSchema });

/** A weighted split: arms in bucket order (canary first), weights adding up to 100, distinct variants. */
export const splitSchema = z
  .strictObject({
    bucketBy: attributeNameSchema.optional(),
    seed: z
      .string()
      .min(1, 'a split seed is not empty')
      .max(256, 'a split seed is at most 256 characters')
      .optional(),
    arms: z.array(splitArmSchema).min(1, 'a split needs at least one arm'),
  })
  .superRefine((split, ctx) => {
    const seen = new Map<string, number>();
    split.arms.forEach((arm, index) => {
      const first = seen.get(arm.variant);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `variant "${arm.variant}" already has an arm (arms[${first}])`,
          path: ['arms', index, 'variant'],
        });
      } else seen.set(arm.variant, index);
    });
    const buckets = split.arms.reduce((sum, arm) => sum + weightToBuckets(arm.weight), 0);
    if (buckets !== TOTAL_BUCKETS) {
      ctx.addIssue({
        code: 'custom',
        message: `split weights add up to ${buckets / 100}, not 100`,
        path: ['arms'],
      });
    }
  });

function serveProblem(serve: unknown): { path: string[]; message: string } | undefined {
  if (typeof serve !== 'object' || serve === null || Array.isArray(serve)) {
    return { path: [], message: 'serve must be {variant: "..."} or {split: {...}}' };
  }
  const keys = Object.keys(serve);
  const unknown = keys.find((key) => key !== 'variant' && key !== 'split');
  if (unknown !== undefined) return { path: [unknown], message: `unknown field "${unknown}"` };
  if (keys.length === 2) return { path: [], message: 'serve names both a variant and a split: choose one' };
  if (keys.length === 0) return { path: [], message: 'serve must name a variant or a split' };
  return undefined;
}

/** What a rule serves: `{variant}` or `{split}`. */
export const serveSchema = z.preprocess(
  (value, ctx) => {
    const problem = serveProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem.message, path: problem.path, input: value });
    return value;
  },
  z.union([z.strictObject({ variant: z.string() }), z.strictObject({ split: splitSchema })]),
);

/** A rule: optional segment and window, and what it serves when both hold. */
export const ruleSchema = z.strictObject({
  name: z.string().optional(),
  segment: conditionSchema.optional(),
  window: timeWindowSchema.optional(),
  serve: serveSchema,
});

/**
 * A flag in Prompt Canary's model, strict everywhere except inside `targeting` (flagd JsonLogic, checked by the
 * flagd importer). Cross-field checks (default variant, variants named by rules, rules xor targeting) run once the
 * shape is right.
 */
export const flagSchema = z
  .strictObject({
    key: flagKeySchema,
    state: z.enum(['ENABLED', 'DISABLED'], { error: 'state must be "ENABLED" or "DISABLED"' }),
    variants: z.record(z.string().min(1, 'variant names must not be empty'), flagValueSchema),
    defaultVariant: z.string().nullable().optional(),
    rules: z.array(ruleSchema).optional(),
    targeting: z.json().optional(),
    metadata: flagMetadataSchema.optional(),
  })
  .superRefine((flag, ctx) => {
    const names = Object.keys(flag.variants);
    const known = new Set(names);
    const list = names.map((name) => `"${name}"`).join(', ');
    if (names.length === 0)
      ctx.addIssue({ code: 'custom', message: 'a flag needs at least one variant', path: ['variants'] });
    if (typeof flag.defaultVariant === 'string' && !known.has(flag.defaultVariant)) {
      ctx.addIssue({
        code: 'custom',
        message: `default variant "${flag.defaultVariant}" is not one of the variants (${list})`,
        path: ['defaultVariant'],
      });
    }
    if (flag.rules !== undefined && flag.targeting !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'a flag has rules or targeting, not both',
        path: ['targeting'],
      });
    }
    flag.rules?.forEach((rule, index) => {
      const serve = rule.serve;
      if ('variant' in serve) {
        if (!known.has(serve.variant)) {
          ctx.addIssue({
            code: 'custom',
            message: `serves variant "${serve.variant}", which is not one of the variants (${list})`,
            path: ['rules', index, 'serve', 'variant'],
          });
        }
        return;
      }
      serve.split.arms.forEach((arm, armIndex) => {
        if (!known.has(arm.variant)) {
          ctx.addIssue({
            code: 'custom',
            message: `split arm names variant "${arm.variant}", which is not one of the variants (${list})`,
            path: ['rules', index, 'serve', 'split', 'arms', armIndex, 'variant'],
          });
        }
      });
    });
  });

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

const errorMessages: z.core.$ZodErrorMap = (issue) => {
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return 'is required';
    return `expected ${issue.expected}, got ${describeValue(issue.input)}`;
  }
  return undefined;
};

function toIssues(
  issues: ReadonlyArray<z.core.$ZodIssue>,
  base: (string | number)[],
  out: FlagValidationIssue[],
) {
  for (const issue of issues) {
    const path = [...base, ...issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part))];
    if (issue.code === 'invalid_union') {
      // Report the alternative that got furthest (its deepest issue), unless none got past the union itself.
      let best: ReadonlyArray<z.core.$ZodIssue> | undefined;
      let bestDepth = 0;
      for (const option of issue.errors) {
        const depth = Math.max(0, ...option.map((inner) => inner.path.length));
        if (depth > bestDepth) {
          best = option;
          bestDepth = depth;
        }
      }
      if (best) {
        toIssues(best, path, out);
        continue;
      }
    }
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: [...path, key], message: `unknown field "${key}"` });
      continue;
    }
    out.push({ path, message: issue.message });
  }
}

/** The outcome of `validateFlag`: the parsed flag, or every issue found. */
export type FlagValidationResult =
  | { ok: true; flag: Flag }
  | { ok: false; issues: ReadonlyArray<FlagValidationIssue> };

/**
 * Validates an untrusted flag definition and reports every problem with its path and a readable reason.
 *
 * @example
 * const result = validateFlag(JSON.parse(body));
 * if (!result.ok) return c.json({ code: 'INVALID_FLAG', issues: result.issues }, 400);
 */
export function validateFlag(input: unknown): FlagValidationResult {
  const result = flagSchema.safeParse(input, { error: errorMessages });
  if (result.success) return { ok: true, flag: result.data };
  const issues: FlagValidationIssue[] = [];
  toIssues(result.error.issues, [], issues);
  return { ok: false, issues };
}

/**
 * Parses an untrusted flag definition, throwing `FlagValidationError` (message naming the first offending path,
 * `issues` listing all) when it is invalid.
 *
 * @example
 * const flag = parseFlag({ key: 'support-prompts', state: 'ENABLED', variants: { stable: '2.3.0' },
 *   defaultVariant: 'stable' });
 */
export function parseFlag(input: unknown): Flag {
  const result = validateFlag(input);
  if (!result.ok) throw new FlagValidationError(result.issues);
  return result.flag;
}
