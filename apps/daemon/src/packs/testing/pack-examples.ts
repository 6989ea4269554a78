/**
 * Test support: the users' own example files from the shared folder (`PROMPT_CANARY_SHARED`, default
 * `<repo>/../shared`). Tests skip with the reason when the folder is absent, and fail under `CI=true`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The shared examples folder. */
export const examplesDir = join(
  process.env.PROMPT_CANARY_SHARED ?? fileURLToPath(new URL('../../../../../../shared/', import.meta.url)),
  'examples',
);

/** Whether the examples folder exists. */
export const examplesPresent = existsSync(examplesDir);

/** Why example tests are skipped, for their titles; empty when they run. */
export const examplesSkipReason = examplesPresent
  ? ''
  : ` (skipped: ${examplesDir} is absent; set PROMPT_CANARY_SHARED to the shared folder)`;

/** Under CI a missing examples folder is a failure, not a skip. */
export const examplesRequired = process.env.CI === 'true';

/** The three example packs, by file name. */
export const EXAMPLE_FILES = ['seed-promptpack.yaml', 'seed-segments.yaml', 'seed-schedule.yaml'] as const;

/** Reads one example file as text. */
export function readExample(name: string): string {
  return readFileSync(join(examplesDir, name), 'utf8');
}

/** The named segments of `examples/segments.json`: name → `{match}`. */
export function readExampleSegments(): Record<string, { match: Record<string, unknown> }> {
  return JSON.parse(readExample('segments.json')) as Record<string, { match: Record<string, unknown> }>;
}
