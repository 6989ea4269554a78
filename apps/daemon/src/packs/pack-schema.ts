/**
 * Validation of a PromptPack at the API's edge: structure, units, defaults and cross-field rules, with each
 * problem reported at the path of the offending field.
 */
import { type core, z } from 'zod';
import { CONTENT_KEY_SUFFIX } from '../flags/companion-key.js';
import { attributesSchema, modelSchema, promptsSchema } from './content-schema.js';
import type { PackIssue, PromptPack } from './prompt-pack.js';
import { rolloutSpecSchema } from './rollout-spec-schema.js';

/** The pattern of `metadata.name`, which is also the flag key apps evaluate. */
export const PACK_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;

const freeForm = z.record(z.string(), z.unknown(), { error: 'expected a map of keys to values' });

/** The whole PromptPack schema; its output is the normalised `PromptPack`. */
export const promptPackSchema = z.strictObject({
  apiVersion: z.enum(['promptcanary.dev/v1alpha1', 'omnia.altairalabs.ai/v1alpha1'], {
    error: 'apiVersion is promptcanary.dev/v1alpha1 (or omnia.altairalabs.ai/v1alpha1)',
  }),
  kind: z.literal('PromptPack', { error: 'kind is PromptPack' }),
  metadata: z.strictObject({
    name: z
      .string({ error: 'metadata.name is required' })
      .regex(PACK_NAME_PATTERN, {
        error: 'a pack name is 1-63 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit',
      })
      .refine((name) => !name.endsWith(CONTENT_KEY_SUFFIX), {
        error: `a pack name cannot end with "${CONTENT_KEY_SUFFIX}": <pack>${CONTENT_KEY_SUFFIX} is the key apps read a pack's content from`,
      }),
    labels: freeForm.optional(),
    annotations: freeForm.optional(),
  }),
  spec: z.strictObject({
    version: z
      .string({ error: 'spec.version is a string: quote it, e.g. "2.4.0"' })
      .min(1, { error: 'spec.version is not empty' })
      .max(128, { error: 'spec.version is at most 128 characters' }),
    prompts: promptsSchema.optional(),
    model: modelSchema.optional(),
    attributes: attributesSchema.optional(),
    rollout: rolloutSpecSchema.prefault({}),
  }),
});

/** The outcome of `parsePromptPack`: the normalised pack, or every problem found with its path. */
export type ParsePackResult = { ok: true; pack: PromptPack } | { ok: false; issues: PackIssue[] };

function toIssues(issues: readonly core.$ZodIssue[]): PackIssue[] {
  return issues.flatMap((issue): PackIssue[] => {
    const path = issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment));
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...path, key], message: `unknown field "${key}"` }));
    }
    return [{ path, message: issue.message }];
  });
}

/**
 * Validates and normalises a PromptPack (already decoded from YAML or JSON). Never throws for bad input.
 *
 * @example
 * const result = parsePromptPack(YAML.parse(text));
 * if (!result.ok) console.log(result.issues[0]); // { path: ['spec', 'rollout', 'canaryWeight'], message: '…' }
 */
export function parsePromptPack(input: unknown): ParsePackResult {
  const result = promptPackSchema.safeParse(input);
  if (!result.success) return { ok: false, issues: toIssues(result.error.issues) };
  return { ok: true, pack: result.data };
}
