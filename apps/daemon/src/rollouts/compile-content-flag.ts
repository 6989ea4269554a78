/**
 * The companion flag `<pack>.content`: an object flag whose variants are the pack flag's (the versions) and whose
 * values are those versions' bundles `{version, prompts, model, attributes}`. Its rules are the pack flag's with
 * every split seeded with the pack's name, so a unit gets the same version from both keys in every evaluator
 * (ours, a provider's, flagd's `fractional`).
 */
import type { Flag, FlagValue, Rule } from '@prompt-canary/rules';
import { BUNDLE_OF_METADATA_KEY, contentKeyOf } from '../flags/companion-key.js';
import { hasContent, type VersionBundle } from '../packs/version-bundle.js';

function seeded(rule: Rule, pack: string): Rule {
  if (!('split' in rule.serve)) return rule;
  return { ...rule, serve: { split: { ...rule.serve.split, seed: pack } } };
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
