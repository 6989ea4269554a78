/**
 * The content of one version as apps receive it (`{version, prompts, model, attributes}`), its hash, and its size.
 * The hash fixes a version's content at its first apply and keys a bundle's delivery to providers.
 */
import type { JsonValue } from '@prompt-canary/rules';
import { canonicalHash } from '../http/canonical-json.js';
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

/** True when a bundle carries content: a prompt, a model or an attribute. */
export function hasContent(bundle: VersionBundle): boolean {
  return (
    Object.keys(bundle.prompts).length > 0 ||
    bundle.model !== null ||
    Object.keys(bundle.attributes).length > 0
  );
}

/**
 * The content hash of a bundle: `sha256:` and the hex digest of its canonical JSON (keys sorted), so the same
 * content written in another key order or prompt form (`"…"` or `{text: "…"}`) hashes alike.
 */
export function contentHashOf(bundle: VersionBundle): string {
  return canonicalHash(bundle);
}

/** The size of a bundle as served: bytes of its UTF-8 JSON. */
export function bundleBytes(bundle: VersionBundle): number {
  return Buffer.byteLength(JSON.stringify(bundle), 'utf8');
}
