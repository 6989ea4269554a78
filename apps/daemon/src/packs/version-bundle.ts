/**
 * The content of one version as apps receive it (`{version, prompts, model, attributes}`), its hash, and its size.
 * The hash fixes a version's content at its first apply and keys a bundle's delivery to providers.
 */
import { createHash } from 'node:crypto';
import type { JsonValue } from '@prompt-canary/rules';
import { canonicalJson } from './apply-decision.js';
import type { ModelSpec, PromptEntry, PromptPack } from './prompt-pack.js';

/** The largest bundle a version may have by default, in bytes of its JSON: 256 KiB. */
export const DEFAULT_MAX_BUNDLE_BYTES = 256 * 1024;

/** What the companion flag `<pack>.content` serves for a version. */
export interface VersionBundle {
  readonly version: string;
  readonly prompts: Readonly<Record<string, PromptEntry>>;
  /** `null` when the pack names no model. */
  readonly model: ModelSpec | null;
  readonly attributes: Readonly<Record<string, JsonValue>>;
}

/** The bundle of the version a pack applies; a pack without content gives empty prompts and attributes. */
export function bundleOf(pack: PromptPack): VersionBundle {
  const { version, prompts, model, attributes } = pack.spec;
  return { version, prompts: prompts ?? {}, model: model ?? null, attributes: attributes ?? {} };
}

/** True when the pack carries content (prompts, a model or attributes). */
export function hasContent(pack: PromptPack): boolean {
  const { prompts, model, attributes } = pack.spec;
  return prompts !== undefined || model !== undefined || attributes !== undefined;
}

/**
 * The content hash of a bundle: `sha256:` and the hex digest of its canonical JSON (keys sorted), so the same
 * content written in another key order or prompt form (`"…"` or `{text: "…"}`) hashes alike.
 */
export function contentHashOf(bundle: VersionBundle): string {
  return `sha256:${createHash('sha256').update(canonicalJson(bundle)).digest('hex')}`;
}

/** The size of a bundle as served: bytes of its UTF-8 JSON. */
export function bundleBytes(bundle: VersionBundle): number {
  return Buffer.byteLength(JSON.stringify(bundle), 'utf8');
}
