/**
 * A well-mixed 32-bit hash of an assignment unit's id: FNV-1a over pairs of UTF-16 code units (with an xor-shift
 * per step, so high bits feed back down), then murmur3's 32-bit finalizer (fmix32) so every output bit depends on
 * every input bit. Unsigned (0 … 2³² − 1). Pairs halve the multiplications: the hash runs once per span.
 *
 * It decides which cluster bucket a unit's requests share ({@link CLUSTER_BUCKETS}) and whether a unit falls in the
 * SRM's hash sample; neither needs a cryptographic hash, only a fast and uniform one that is independent of the
 * split's own bucketing (murmur3 of flag key + unit, in `@prompt-canary/rules`).
 *
 * @example
 * ```ts
 * unitHash('session-42'); // same number on every replica and every run
 * ```
 */
export function unitHash(unit: string): number {
  let h = 0x811c9dc5 ^ unit.length;
  const last = unit.length - 1;
  let i = 0;
  for (; i < last; i += 2) {
    h ^= unit.charCodeAt(i) | (unit.charCodeAt(i + 1) << 16);
    h = Math.imul(h, 0x01000193);
    h ^= h >>> 15;
  }
  if (i === last) h = Math.imul(h ^ unit.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
