/**
 * The companion flag `<pack>.content`: an object flag whose variants are the pack flag's (the versions) and whose
 * values are those versions' bundles `{version, prompts, model, attributes}`. Its rules are the pack flag's with
 * every split seeded with the pack's name, so a unit gets the same version from both keys in every evaluator
 * (ours, a provider's, flagd's `fractional`).
 */
import type { Flag, FlagValue, Rule } from '@prompt-canary/rules';
import { CONTENT_KEY_SUFFIX } from '../packs/pack-schema.js';
import type { VersionBundle } from '../packs/version-bundle.js';

/** Flag metadata naming the pack a companion flag belongs to: the span hook stamps that key, not the companion's. */
export const BUNDLE_OF_METADATA_KEY = 'bundleOf';

/** The companion key of a pack: `support-prompts` → `support-prompts.content`. */
export function contentKeyOf(pack: string): string {
  return `${pack}${CONTENT_KEY_SUFFIX}`;
}

/** The pack a key is the companion key of, when it ends with `.content`. */
export function packOfContentKey(key: string): string | undefined {
  return key.endsWith(CONTENT_KEY_SUFFIX) ? key.slice(0, -CONTENT_KEY_SUFFIX.length) : undefined;
}

function seeded(rule: Rule, pack: string): Rule {
  if (!('split' in rule.serve)) return rule;
  return { ...rule, serve: { split: { ...rule.serve.split, seed: pack } } };
}

function hasContent(bundle: VersionBundle): boolean {
  return (
    Object.keys(bundle.prompts).length > 0 ||
    bundle.model !== null ||
    Object.keys(bundle.attributes).length > 0
  );
}

/**
 * Compiles the companion flag of a pack from its flag and the recorded bundles, or `null` when none of the versions
 * it serves has content (a pack without content has no companion flag, as before content existed). A served
 * version without a recorded bundle serves `{version, prompts: {}, model: null, attributes: {}}`.
 *
 * @example
 * compileContentFlag(packFlag, (version) => store.packVersions.get('support-prompts', version)?.bundle);
 */
export function compileContentFlag(
  packFlag: Flag,
  bundleOf: (version: string) => VersionBundle | undefined,
): Flag | null {
  const pack = packFlag.key;
  const variants: Record<string, FlagValue> = {};
  let anyContent = false;
  for (const version of Object.keys(packFlag.variants)) {
    const bundle = bundleOf(version) ?? { version, prompts: {}, model: null, attributes: {} };
    if (hasContent(bundle)) anyContent = true;
    variants[version] = bundle as unknown as FlagValue;
  }
  if (!anyContent) return null;
  const flag: Flag = {
    key: contentKeyOf(pack),
    state: packFlag.state,
    variants,
    rules: (packFlag.rules ?? []).map((rule) => seeded(rule, pack)),
    metadata: { ...packFlag.metadata, [BUNDLE_OF_METADATA_KEY]: pack },
  };
  if (packFlag.defaultVariant !== undefined) flag.defaultVariant = packFlag.defaultVariant;
  return flag;
}
