import { createHash } from 'node:crypto';

/**
 * A canonical JSON text (object keys sorted, `undefined` dropped) used to compare documents regardless of key
 * order (a pack normalised by its schema, so `10` and `"10%"` compare alike; a compiled flag).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return inner;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(inner).sort()) sorted[key] = (inner as Record<string, unknown>)[key];
    return sorted;
  });
}

/**
 * The content hash of a JSON value: `sha256:` and the hex digest of its {@link canonicalJson}, so the same content
 * written in another key order hashes alike.
 */
export function canonicalHash(value: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalJson(value)).digest('hex')}`;
}
