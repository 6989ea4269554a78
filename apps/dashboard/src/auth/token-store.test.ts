import { describe, expect, it } from 'vitest';
import { TOKEN_KEY, type TokenStorage, TokenStore } from './token-store.js';

function memoryStorage(): TokenStorage & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => {
      items.set(key, value);
    },
    removeItem: (key) => {
      items.delete(key);
    },
  };
}

describe('the token store', () => {
  it('keeps a trimmed token under its key and forgets it on sign-out', () => {
    const storage = memoryStorage();
    const tokens = new TokenStore(storage);
    expect(tokens.get()).toBeNull();
    tokens.set('  pc_secret  ');
    expect(storage.items.get(TOKEN_KEY)).toBe('pc_secret');
    expect(tokens.get()).toBe('pc_secret');
    tokens.clear();
    expect(tokens.get()).toBeNull();
  });

  it('treats an empty token as a sign-out', () => {
    const tokens = new TokenStore(memoryStorage());
    tokens.set('pc_secret');
    tokens.set('   ');
    expect(tokens.get()).toBeNull();
  });
});
