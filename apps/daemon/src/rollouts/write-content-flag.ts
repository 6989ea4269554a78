import type { Flag } from '@prompt-canary/rules';
import { contentKeyOf } from '../flags/companion-key.js';
import type { FlagStore } from '../flags/flag-store.js';
import { canonicalJson } from '../http/canonical-json.js';
import type { PackVersionStore } from '../packs/pack-version-store.js';
import { compileContentFlag } from './compile-content-flag.js';

/** The ports that keep a pack's companion flag in step with its flag. */
export interface ContentFlagWrites {
  readonly flags: Pick<FlagStore, 'get' | 'put' | 'delete'>;
  readonly packVersions: Pick<PackVersionStore, 'get'>;
}

/**
 * Recompiles the companion flag `<pack>.content` from the pack's served flag, inside the caller's transaction, and
 * writes it (or removes it when no served version has content) if it differs from the stored one. Returns whether
 * it changed, so the caller records a new config revision.
 */
export function writeContentFlag(store: ContentFlagWrites, packFlag: Flag, at: string): boolean {
  const pack = packFlag.key;
  const key = contentKeyOf(pack);
  const next = compileContentFlag(packFlag, (version) => store.packVersions.get(pack, version)?.bundle);
  const current = store.flags.get(key);
  if (next === null) return current !== undefined && store.flags.delete(key);
  if (current !== undefined && canonicalJson(current.flag) === canonicalJson(next)) return false;
  store.flags.put(next, pack, at);
  return true;
}
