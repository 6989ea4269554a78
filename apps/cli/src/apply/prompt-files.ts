import { dirname, isAbsolute, resolve } from 'node:path';
import { UsageError } from '../command-context.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads the prompts a pack file writes as `{file: ./system.md}` (relative to the pack file; an absolute path as
 * given) and puts their text in place, keeping `role`. Returns the document to send and whether any file was read
 * (then the CLI sends JSON, since the text is no longer the file's).
 *
 * @throws UsageError naming the prompt and the file when a file cannot be read.
 */
export async function inlinePromptFiles(
  raw: unknown,
  packFile: string,
  readFile: (path: string) => Promise<string>,
): Promise<{ readonly document: unknown; readonly read: number }> {
  if (!isObject(raw) || !isObject(raw.spec) || !isObject(raw.spec.prompts)) return { document: raw, read: 0 };
  const prompts: Record<string, Json> = {};
  let read = 0;
  for (const [name, prompt] of Object.entries(raw.spec.prompts)) {
    if (!isObject(prompt) || typeof prompt.file !== 'string') {
      prompts[name] = prompt;
      continue;
    }
    const { file, ...rest } = prompt;
    const path = isAbsolute(file) ? file : resolve(dirname(packFile), file);
    let text: string;
    try {
      text = await readFile(path);
    } catch (error) {
      throw new UsageError(
        `spec.prompts.${name}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      );
    }
    prompts[name] = { ...rest, text };
    read += 1;
  }
  if (read === 0) return { document: raw, read };
  return { document: { ...raw, spec: { ...raw.spec, prompts } }, read };
}
