import type { Flag, FlagSet, FlagValue } from '@prompt-canary/rules';

/** The key of a bundle reference in a companion flag's variants: `{"$bundle": "sha256:…"}`. */
export const BUNDLE_REF_KEY = '$bundle';

function refOf(value: FlagValue): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1 || keys[0] !== BUNDLE_REF_KEY) return undefined;
  const hash = (value as Record<string, unknown>)[BUNDLE_REF_KEY];
  return typeof hash === 'string' ? hash : undefined;
}

/** What resolving a document's references gave: the flags with bundles in place, or the hashes it lacks. */
export type BundleResolution =
  | { readonly ok: true; readonly flags: FlagSet }
  | { readonly ok: false; readonly missing: readonly string[] };

/**
 * The version bundles a provider holds, by content hash. canaryd sends a bundle once per stream; later documents
 * refer to it by hash. Holds only the bundles the last resolved document named.
 */
export class BundleCache {
  #bundles = new Map<string, FlagValue>();

  /** How many bundles are held. */
  get size(): number {
    return this.#bundles.size;
  }

  /**
   * Puts the bundles in place of the references in `flags`, from the document's own `bundles` and those held.
   * On success the cache keeps exactly the bundles `flags` names; with a reference it cannot resolve, nothing changes.
   */
  resolve(flags: FlagSet, bundles: Readonly<Record<string, FlagValue>> | undefined): BundleResolution {
    const lookup = (hash: string): FlagValue | undefined =>
      (bundles !== undefined && Object.hasOwn(bundles, hash) ? bundles[hash] : undefined) ??
      this.#bundles.get(hash);
    const next = new Map<string, FlagValue>();
    const missing: string[] = [];
    const resolved: FlagSet = {};
    for (const [key, flag] of Object.entries(flags)) {
      let variants: Record<string, FlagValue> | undefined;
      for (const [name, value] of Object.entries(flag.variants ?? {})) {
        const hash = refOf(value);
        if (hash === undefined) continue;
        const bundle = lookup(hash);
        if (bundle === undefined) {
          missing.push(hash);
          continue;
        }
        next.set(hash, bundle);
        variants ??= { ...flag.variants };
        variants[name] = bundle;
      }
      resolved[key] = variants === undefined ? flag : ({ ...flag, variants } satisfies Flag);
    }
    if (missing.length > 0) return { ok: false, missing };
    this.#bundles = next;
    return { ok: true, flags: resolved };
  }
}
