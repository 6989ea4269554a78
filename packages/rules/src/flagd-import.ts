/**
 * Import of flagd flag-definition documents: what flagd's flag schema accepts becomes our flags, targeting kept
 * as JsonLogic (with `$ref`s resolved) so that it evaluates exactly as flagd evaluates it.
 */
import { z } from 'zod';
import { FlagValidationError, type FlagValidationIssue } from './errors.js';
import { isEmptyTargeting } from './flagd-targeting.js';
import type { Flag, FlagMetadata, FlagValue, JsonValue } from './model.js';

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const metadataSchema = z.record(z.string(), scalar);
const plainObject = z.record(z.string(), z.json());

/** flagd's schema allows variants of one type per flag: all booleans, all strings, all numbers or all objects. */
const variantsSchema = z
  .record(z.string().min(1, 'a variant name must not be empty'), z.json())
  .refine((variants) => Object.keys(variants).length > 0, 'a flag needs at least one variant')
  .superRefine((variants, ctx) => {
    const kinds = [z.boolean(), z.string(), z.number(), plainObject];
    const values = Object.values(variants);
    if (kinds.some((kind) => values.every((value) => kind.safeParse(value).success))) return;
    ctx.addIssue({
      code: 'custom',
      message: 'variants must all be booleans, all strings, all numbers or all objects',
    });
  });

const flagSchema = z.looseObject({
  state: z.enum(['ENABLED', 'DISABLED']),
  variants: variantsSchema,
  defaultVariant: z.string().nullable().optional(),
  targeting: plainObject.optional(),
  metadata: metadataSchema.optional(),
});

const documentSchema = z.looseObject({
  $schema: z.string().optional(),
  flags: z.record(z.string(), flagSchema),
  $evaluators: plainObject.optional(),
  metadata: metadataSchema.optional(),
});

type FlagdFlagInput = z.infer<typeof flagSchema>;

/** A JSON object with exactly one key, `$ref`, naming a shared evaluator. */
function referencedName(value: JsonValue): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  const name = value['$ref'];
  return keys.length === 1 && typeof name === 'string' ? name : undefined;
}

/**
 * Replaces every `{"$ref": "name"}` by the evaluator of that name, itself resolved. References to evaluators that
 * do not exist, and cyclic ones, stay as they are: flagd then fails to compile the targeting (`PARSE_ERROR`).
 */
export function resolveEvaluatorRefs(
  logic: JsonValue,
  evaluators: Readonly<Record<string, JsonValue>>,
  resolving: ReadonlySet<string> = new Set(),
): JsonValue {
  const name = referencedName(logic);
  if (name !== undefined) {
    if (!Object.hasOwn(evaluators, name) || resolving.has(name)) return logic;
    return resolveEvaluatorRefs(evaluators[name] as JsonValue, evaluators, new Set([...resolving, name]));
  }
  if (Array.isArray(logic)) return logic.map((item) => resolveEvaluatorRefs(item, evaluators, resolving));
  if (typeof logic === 'object' && logic !== null) {
    const out: Record<string, JsonValue> = {};
    for (const [key, value] of Object.entries(logic))
      out[key] = resolveEvaluatorRefs(value, evaluators, resolving);
    return out;
  }
  return logic;
}

function toFlag(
  key: string,
  input: FlagdFlagInput,
  evaluators: Readonly<Record<string, JsonValue>>,
  documentMetadata: FlagMetadata | undefined,
): Flag {
  const flag: Flag = {
    key,
    state: input.state,
    variants: input.variants as Record<string, FlagValue>,
  };
  // flagd reads an empty default variant name as none.
  if (input.defaultVariant !== undefined) flag.defaultVariant = input.defaultVariant || null;
  if (input.targeting !== undefined && !isEmptyTargeting(input.targeting)) {
    flag.targeting = resolveEvaluatorRefs(input.targeting, evaluators);
  }
  // Flag-set metadata applies to every flag; a flag's own entries take precedence, as in flagd.
  if (documentMetadata !== undefined || input.metadata !== undefined) {
    flag.metadata = { ...documentMetadata, ...input.metadata };
  }
  return flag;
}

function issuesOf(error: z.ZodError): FlagValidationIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part)),
    message: issue.message,
  }));
}

/**
 * Imports a flagd flag-definition document (already parsed from JSON) into flags of our model.
 *
 * Accepts what flagd's flag schema accepts: a `flags` object whose flags have a `state` (`ENABLED`/`DISABLED`),
 * non-empty `variants` of one type, an optional `defaultVariant` (a name, `null` or absent), optional `targeting`
 * (an object; `{}` means none) and optional scalar `metadata`. Top-level `$evaluators` are substituted for the
 * `$ref`s that name them; top-level `metadata` is merged under each flag's own, as flagd reports it. Targeting is
 * not checked beyond being an object: like flagd, a definition whose targeting fails at evaluation time imports and
 * then evaluates to flagd's result for it.
 *
 * @throws FlagValidationError naming the path of each problem (e.g. `flags.beta.state`) when the document does not
 * match flagd's schema or a default variant is not among the variants.
 *
 * @example
 * importFlagd({ flags: { beta: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' } } });
 * // [{ key: 'beta', state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' }]
 */
export function importFlagd(doc: unknown): Flag[] {
  const parsed = documentSchema.safeParse(doc);
  if (!parsed.success) throw new FlagValidationError(issuesOf(parsed.error));
  const { flags, $evaluators = {}, metadata } = parsed.data;
  const issues: FlagValidationIssue[] = [];
  const imported: Flag[] = [];
  for (const [key, input] of Object.entries(flags)) {
    const defaultVariant = input.defaultVariant;
    if (defaultVariant && !Object.hasOwn(input.variants, defaultVariant)) {
      issues.push({
        path: ['flags', key, 'defaultVariant'],
        message: `default variant "${defaultVariant}" is not one of the variants (${Object.keys(input.variants).join(', ')})`,
      });
      continue;
    }
    imported.push(toFlag(key, input, $evaluators, metadata));
  }
  if (issues.length > 0) throw new FlagValidationError(issues);
  return imported;
}
