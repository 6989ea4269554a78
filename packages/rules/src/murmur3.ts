/**
 * MurmurHash3 x86_32 over the UTF-8 encoding of JavaScript strings, encoding on the fly.
 *
 * flagd (Go) hashes UTF-8 bytes, so hashing UTF-16 code units would disagree for every non-ASCII key. Encoding with
 * `TextEncoder` would allocate a buffer per call; instead the loop below turns each code point into its UTF-8 bytes
 * and feeds them into the 4-byte block being assembled. Runs of four ASCII characters on a block boundary take a
 * fast path that mixes them as one block directly.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** The state after absorbing some bytes: the running hash, the pending (incomplete) block and the byte count. */
export interface Murmur3State {
  readonly h: number;
  /** Pending bytes of the incomplete block, little-endian. */
  readonly k: number;
  /** Number of pending bytes, 0 to 3. */
  readonly n: number;
  /** Total number of bytes absorbed so far. */
  readonly length: number;
}

function mixBlock(h: number, k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, C2);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/**
 * Absorbs the UTF-8 bytes of `input` on top of the given state. Finalises and returns the unsigned hash, or, when
 * `out` is given, stores the intermediate state there and returns 0 (used once per flag to precompute the key).
 */
function absorb(
  h: number,
  k: number,
  n: number,
  length: number,
  input: string,
  out: MutableState | null,
): number {
  const end = input.length;
  let i = 0;
  while (i < end) {
    if (n === 0) {
      // Block-aligned: mix runs of four ASCII characters directly, the common case for keys and ids.
      while (i + 3 < end) {
        const c0 = input.charCodeAt(i);
        const c1 = input.charCodeAt(i + 1);
        const c2 = input.charCodeAt(i + 2);
        const c3 = input.charCodeAt(i + 3);
        if ((c0 | c1 | c2 | c3) >= 0x80) break;
        h = mixBlock(h, c0 | (c1 << 8) | (c2 << 16) | (c3 << 24));
        i += 4;
        length += 4;
      }
      if (i >= end) break;
    }
    let c = input.charCodeAt(i++);
    // `w` holds the code point's UTF-8 bytes little-endian (first byte lowest), `m` how many there are.
    let w: number;
    let m: number;
    if (c < 0x80) {
      w = c;
      m = 1;
    } else if (c < 0x800) {
      w = 0xc0 | (c >>> 6) | ((0x80 | (c & 0x3f)) << 8);
      m = 2;
    } else {
      if (c >= 0xd800 && c < 0xe000) {
        const next = i < end ? input.charCodeAt(i) : 0;
        if (c < 0xdc00 && next >= 0xdc00 && next < 0xe000) {
          i++;
          const cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          w =
            0xf0 |
            (cp >>> 18) |
            ((0x80 | ((cp >>> 12) & 0x3f)) << 8) |
            ((0x80 | ((cp >>> 6) & 0x3f)) << 16) |
            ((0x80 | (cp & 0x3f)) << 24);
          m = 4;
        } else {
          // A lone surrogate is not encodable; TextEncoder writes U+FFFD instead, so do we.
          c = 0xfffd;
          w = 0xe0 | (c >>> 12) | ((0x80 | ((c >>> 6) & 0x3f)) << 8) | ((0x80 | (c & 0x3f)) << 16);
          m = 3;
        }
      } else {
        w = 0xe0 | (c >>> 12) | ((0x80 | ((c >>> 6) & 0x3f)) << 8) | ((0x80 | (c & 0x3f)) << 16);
        m = 3;
      }
    }
    length += m;
    k |= w << (n << 3);
    n += m;
    if (n >= 4) {
      h = mixBlock(h, k);
      n -= 4;
      // The bytes of `w` that did not fit in the block start the next one (a shift by 32 would be a no-op in JS).
      k = n === 0 ? 0 : w >>> ((m - n) << 3);
    }
  }
  if (out !== null) {
    out.h = h;
    out.k = k;
    out.n = n;
    out.length = length;
    return 0;
  }
  if (n !== 0) {
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, C2);
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

interface MutableState {
  h: number;
  k: number;
  n: number;
  length: number;
}

/**
 * MurmurHash3 x86_32 of the UTF-8 bytes of `input`, as an unsigned 32-bit integer. Lone surrogates hash as U+FFFD,
 * as `TextEncoder` encodes them.
 *
 * @example
 * murmur3('hello'); // 0x248bfa47
 */
export function murmur3(input: string, seed = 0): number {
  return absorb(seed | 0, 0, 0, 0, input, null);
}

/**
 * Precomputes the hash state after `prefix`, so that `murmur3Continue(state, suffix)` equals
 * `murmur3(prefix + suffix, seed)` without building the concatenated string.
 */
export function murmur3Prefix(prefix: string, seed = 0): Murmur3State {
  const state: MutableState = { h: 0, k: 0, n: 0, length: 0 };
  absorb(seed | 0, 0, 0, 0, prefix, state);
  return Object.freeze(state);
}

/** Finishes a hash started with `murmur3Prefix`: the unsigned hash of the prefix's bytes followed by `suffix`'s. */
export function murmur3Continue(state: Murmur3State, suffix: string): number {
  return absorb(state.h, state.k, state.n, state.length, suffix, null);
}
