import { describe, expect, it } from 'vitest';
import { ContextIdEncoder, DEFAULT_CONTEXT_ID_KEY, hashContextId } from './context-id.js';

describe('hashContextId', () => {
  it('is the first 16 hex digits of HMAC-SHA-256(key, flagKey NUL unit), as any language can compute it', () => {
    // Python: hmac.new(b'prompt-canary', b'support-prompts\x00session-1', hashlib.sha256).hexdigest()[:16]
    expect(hashContextId(DEFAULT_CONTEXT_ID_KEY, 'support-prompts', 'session-1')).toBe('abf527e0177c88e7');
  });

  it('gives a unit different ids under different flags, so it cannot be followed from flag to flag', () => {
    expect(hashContextId('k', 'flag-a', 'session-1')).not.toBe(hashContextId('k', 'flag-b', 'session-1'));
  });
});

describe('ContextIdEncoder', () => {
  it('hashes by default, with the default key', () => {
    const encoder = new ContextIdEncoder();
    expect(encoder.idOf('f', 'session-1')).toBe(hashContextId(DEFAULT_CONTEXT_ID_KEY, 'f', 'session-1'));
    expect(new ContextIdEncoder({ contextIdKey: 'k' }).idOf('f', 'session-1')).toBe(
      hashContextId('k', 'f', 'session-1'),
    );
  });

  it('passes the unit through in raw mode and gives nothing when off', () => {
    expect(new ContextIdEncoder({ contextId: 'raw' }).idOf('f', 'session-1')).toBe('session-1');
    const off = new ContextIdEncoder({ contextId: 'off' });
    expect(off.enabled).toBe(false);
    expect(off.idOf('f', 'session-1')).toBeUndefined();
  });

  it('gives 10 000 distinct units 10 000 distinct ids', () => {
    const encoder = new ContextIdEncoder({ contextIdKey: 'app-secret' });
    const ids = new Set<string | undefined>();
    for (let i = 0; i < 10_000; i++) ids.add(encoder.idOf('f', `user-${i}`));
    expect(ids.size).toBe(10_000);
  });
});
