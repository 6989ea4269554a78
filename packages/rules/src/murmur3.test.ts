import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { murmur3, murmur3Continue, murmur3Prefix } from './murmur3.js';

/** Textbook MurmurHash3 x86_32 over a byte array, one byte at a time: the reference the fast version must match. */
function referenceMurmur3(bytes: Uint8Array, seed = 0): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed >>> 0;
  const blocks = bytes.length - (bytes.length % 4);
  const mix = (k: number) => {
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    return Math.imul(k, c2);
  };
  for (let i = 0; i < blocks; i += 4) {
    const k =
      (bytes[i] as number) |
      ((bytes[i + 1] as number) << 8) |
      ((bytes[i + 2] as number) << 16) |
      ((bytes[i + 3] as number) << 24);
    h ^= mix(k);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let tail = 0;
  for (let i = bytes.length - 1; i >= blocks; i--) tail = (tail << 8) | (bytes[i] as number);
  if (bytes.length % 4 !== 0) h ^= mix(tail);
  h ^= bytes.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const encoder = new TextEncoder();
const reference = (text: string, seed = 0) => referenceMurmur3(encoder.encode(text), seed);

/** Any UTF-16 code unit, lone surrogates included, so malformed strings are exercised too. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));
const anyUnicode = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: codeUnit, maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
);

describe('murmur3', () => {
  test.each([
    ['', 0],
    ['hello', 0x248bfa47],
    ['The quick brown fox jumps over the lazy dog', 0x2e4ff723],
    ['fractional-flagjack', 2682799072],
  ])('hashes %j to the published value %d', (input, expected) => {
    expect(murmur3(input)).toBe(expected);
  });

  test('the byte-wise reference agrees with the published vectors, so it can be trusted as an oracle', () => {
    expect(reference('hello')).toBe(0x248bfa47);
    expect(reference('fractional-flagjack')).toBe(2682799072);
  });

  test('applies the seed', () => {
    expect(murmur3('hello', 1)).toBe(reference('hello', 1));
    expect(murmur3('hello', 1)).not.toBe(murmur3('hello'));
  });

  test('hashes the UTF-8 bytes of non-ASCII text, as TextEncoder encodes them', () => {
    for (const text of [
      'é',
      'ü-user',
      '日本語のキー',
      '🐤canary',
      'a\u{1F600}bcd',
      '\uD800',
      'x\uDC00yz',
      '\uDBFF\uDFFF',
    ]) {
      expect(murmur3(text), text).toBe(reference(text));
    }
  });

  test('matches the byte-wise reference for arbitrary strings, lone surrogates included', () => {
    fc.assert(
      fc.property(anyUnicode, fc.integer({ min: 0, max: 0xffffffff }), (text, seed) => {
        expect(murmur3(text, seed)).toBe(reference(text, seed));
      }),
      { seed: 42, numRuns: 3000 },
    );
  });

  test('continuing from a precomputed prefix equals hashing the concatenation', () => {
    fc.assert(
      // A prefix ending in a high surrogate is the one exception (next test); flag keys are ASCII anyway.
      fc.property(
        anyUnicode.filter((text) => !/[\uD800-\uDBFF]$/.test(text)),
        anyUnicode,
        (prefix, suffix) => {
          expect(murmur3Continue(murmur3Prefix(prefix), suffix)).toBe(murmur3(prefix + suffix));
        },
      ),
      { seed: 7, numRuns: 3000 },
    );
  });

  test('a surrogate pair split across prefix and suffix hashes as two replacement characters, as concatenating would not', () => {
    // Documented edge: each half is encoded on its own (lone surrogate → U+FFFD), unlike the joined string.
    const prefixState = murmur3Prefix('key\uD83D');
    expect(murmur3Continue(prefixState, '\uDE00')).toBe(reference('key\uFFFD\uFFFD'));
  });
});
