/**
 * Schema of a version's content: `spec.prompts`, `spec.model` and `spec.attributes` (PromptPack "Content of a
 * version"). Prompts written as a bare string are normalised to `{text}`, so apps read every prompt the same way.
 */
import { z } from 'zod';
import type { ModelSpec, PromptEntry } from './prompt-pack.js';

/** A prompt's name: what the app looks it up by (`system`, `greeting`, `tools.search`). */
export const PROMPT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const promptObject = z.strictObject({
  text: z.string({ error: 'a prompt text is a string' }).optional(),
  role: z
    .string({ error: 'a prompt role is a string (system, user, assistant, …)' })
    .min(1)
    .max(64)
    .optional(),
  file: z.string().optional(),
});

/** One prompt: a bare string, or `{text, role?}`. `{file}` is read by `canary apply -f` before it reaches the API. */
const promptSchema = z
  .union([z.string(), promptObject], {
    error: 'a prompt is a string, {text, role} or {file: ./name.md}',
  })
  .transform((value, ctx): PromptEntry => {
    if (typeof value === 'string') return { text: value };
    if (value.file !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['file'],
        message: `prompt file "${value.file}" was not read: \`canary apply -f\` reads files beside the YAML; the API takes {text}`,
      });
      return { text: '' };
    }
    if (value.text === undefined) {
      ctx.addIssue({ code: 'custom', path: ['text'], message: 'a prompt needs its text' });
      return { text: '' };
    }
    return value.role === undefined ? { text: value.text } : { text: value.text, role: value.role };
  });

/** `spec.prompts`: named prompts. */
export const promptsSchema = z
  .record(z.string(), promptSchema, { error: 'spec.prompts maps prompt names to prompts' })
  .superRefine((prompts, ctx) => {
    for (const name of Object.keys(prompts)) {
      if (!PROMPT_NAME_PATTERN.test(name)) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `prompt name "${name}" is 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit`,
        });
      }
    }
  });

/** `spec.model`: the model to call and its parameters. */
export const modelSchema = z
  .strictObject({
    name: z.string({ error: 'spec.model.name is the model to call, e.g. "gpt-4o-mini"' }).min(1).max(256),
    provider: z.string().min(1).max(256).optional(),
    parameters: z
      .record(z.string(), z.json(), { error: 'model parameters map names to JSON values' })
      .optional(),
  })
  .transform((model): ModelSpec => {
    const out: { name: string; provider?: string; parameters?: Record<string, z.core.util.JSONType> } = {
      name: model.name,
    };
    if (model.provider !== undefined) out.provider = model.provider;
    if (model.parameters !== undefined) out.parameters = model.parameters;
    return out as ModelSpec;
  });

/** `spec.attributes`: free JSON the app wants with the version. */
export const attributesSchema = z.record(z.string(), z.json(), {
  error: 'spec.attributes is a map of names to JSON values',
});
