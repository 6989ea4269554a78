/**
 * How version bundles travel in the config: a pack's companion flag (`metadata.bundleOf`) carries, in place of each
 * variant's bundle, a reference `{"$bundle": "<content hash>"}`, and the document's `bundles` map holds the bundles
 * by hash. A provider keeps the bundles it has, so a stream sends a bundle once per version instead of at every
 * step of a rollout (the flag changes at each step, its bundles do not).
 */
import type { Flag, FlagSet, FlagValue } from '@prompt-canary/rules';
import { BUNDLE_OF_METADATA_KEY } from '../flags/companion-key.js';
import { canonicalHash } from '../http/canonical-json.js';

/** The key of a bundle reference: `{"$bundle": "sha256:…"}`. */
export const BUNDLE_REF_KEY = '$bundle';

/** A flag set as providers receive it, and the bundles its references name. */
export interface WireFlags {
  readonly flags: FlagSet;
  /** Bundles by content hash. */
  readonly bundles: Readonly<Record<string, FlagValue>>;
}

function toWireFlag(flag: Flag, bundles: Record<string, FlagValue>): Flag {
  const variants: Record<string, FlagValue> = {};
  for (const [name, value] of Object.entries(flag.variants)) {
    // The same hash as the version's `contentHash` (both are the canonical hash of the bundle).
    const hash = canonicalHash(value);
    bundles[hash] = value;
    variants[name] = { [BUNDLE_REF_KEY]: hash };
  }
  return { ...flag, variants };
}

/**
 * Replaces the bundles of every companion flag by references and collects them by hash. Other flags are passed
 * through as they are (the same objects).
 */
export function toWireFlags(flags: FlagSet): WireFlags {
  const wire: FlagSet = {};
  const bundles: Record<string, FlagValue> = {};
  for (const [key, flag] of Object.entries(flags)) {
    wire[key] =
      typeof flag.metadata?.[BUNDLE_OF_METADATA_KEY] === 'string' ? toWireFlag(flag, bundles) : flag;
  }
  return { flags: wire, bundles };
}
