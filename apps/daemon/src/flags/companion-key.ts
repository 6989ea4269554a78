/**
 * A pack's companion flag: the object flag `<pack>.content` that serves each version's content. Its key is derived
 * from the pack's name, so the suffix is reserved: no pack name ends with it, and no plain flag or flagd import may
 * take an existing pack's companion key.
 */

/** The suffix of a pack's companion flag key. */
export const CONTENT_KEY_SUFFIX = '.content';

/** Flag metadata naming the pack a companion flag belongs to (the provider's span hook stamps that key). */
export const BUNDLE_OF_METADATA_KEY = 'bundleOf';

/** The companion key of a pack: `support-prompts` → `support-prompts.content`. */
export function contentKeyOf(pack: string): string {
  return `${pack}${CONTENT_KEY_SUFFIX}`;
}

/**
 * The pack whose companion key a flag key is, when that pack exists: such a key is reserved for the pack's content
 * even before the pack has any.
 */
export function packReservingKey(key: string, packExists: (name: string) => boolean): string | undefined {
  if (!key.endsWith(CONTENT_KEY_SUFFIX)) return undefined;
  const pack = key.slice(0, -CONTENT_KEY_SUFFIX.length);
  return packExists(pack) ? pack : undefined;
}
