import { CONTENT_KEY_SUFFIX } from '../packs/pack-schema.js';

/**
 * The pack whose companion key `<pack>.content` a flag key is, when that pack exists: such a key is reserved for the
 * pack's content even before the pack has any, so plain flags and flagd imports cannot take it.
 */
export function packReservingKey(key: string, packExists: (name: string) => boolean): string | undefined {
  if (!key.endsWith(CONTENT_KEY_SUFFIX)) return undefined;
  const pack = key.slice(0, -CONTENT_KEY_SUFFIX.length);
  return packExists(pack) ? pack : undefined;
}
