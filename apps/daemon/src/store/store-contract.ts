import type { Flag } from '@prompt-canary/rules';
import { describe, expect, it } from 'vitest';
import type { Store } from './store.js';

const AT = '2025-01-01T00:00:00.000Z';
const LATER = '2025-01-02T00:00:00.000Z';

function flag(key: string, defaultVariant = 'on'): Flag {
  return { key, state: 'ENABLED', variants: { on: true, off: false }, defaultVariant };
}

/**
 * The behaviour every {@link Store} implementation must have, run against each one (SQLite now; PostgreSQL when
 * it comes), so that no adapter can drift from the others.
 */
export function storeContract(name: string, makeStore: () => Store): void {
  describe(`${name}: the Store contract`, () => {
    it('flags: put, get, list by key, replace with a new ETag, delete', () => {
      const store = makeStore();
      const a = store.flags.put(flag('b'), null, AT);
      store.flags.put(flag('a'), 'pack-a', AT);
      expect(store.flags.list().map((f) => f.flag.key)).toEqual(['a', 'b']);
      expect(store.flags.get('a')?.ownerPack).toBe('pack-a');
      const replaced = store.flags.put(flag('b', 'off'), null, LATER);
      expect(replaced.etag).not.toBe(a.etag);
      expect(replaced).toMatchObject({ createdAt: AT, updatedAt: LATER, ownerPack: null });
      expect(store.flags.put(flag('b', 'off'), null, LATER).etag).toBe(replaced.etag);
      expect(store.flags.delete('b')).toBe(true);
      expect(store.flags.delete('b')).toBe(false);
      expect(store.flags.get('b')).toBeUndefined();
    });

    it('segments: put, get, list by name, delete', () => {
      const store = makeStore();
      store.segments.put('z', { plan: 'internal' }, AT);
      store.segments.put('a', { beta: true }, AT);
      expect(store.segments.list().map((s) => s.name)).toEqual(['a', 'z']);
      expect(store.segments.get('z')?.match).toEqual({ plan: 'internal' });
      expect(store.segments.delete('z')).toBe(true);
      expect(store.segments.get('z')).toBeUndefined();
    });

    it('tokens: put, replace, count, delete', () => {
      const store = makeStore();
      expect(store.tokens.count()).toBe(0);
      store.tokens.put({ name: 'ci', tokenHash: 'aa', scopes: ['read'], createdAt: AT });
      store.tokens.put({ name: 'ci', tokenHash: 'bb', scopes: ['read', 'operate'], createdAt: LATER });
      expect(store.tokens.count()).toBe(1);
      expect(store.tokens.get('ci')).toEqual({
        name: 'ci',
        tokenHash: 'bb',
        scopes: ['read', 'operate'],
        createdAt: LATER,
      });
      expect(store.tokens.delete('ci')).toBe(true);
      expect(store.tokens.list()).toEqual([]);
    });

    it('audit: append, newest first, by pack, paged by cursor', () => {
      const store = makeStore();
      const entry = {
        at: AT,
        actor: 'a',
        action: 'x',
        target: 't',
        reason: null,
        before: null,
        revision: null,
      };
      for (let i = 0; i < 5; i++)
        store.audit.append({ ...entry, pack: i % 2 === 0 ? 'p' : null, after: { i } });
      const page1 = store.audit.list({ limit: 2 });
      expect(page1.items.map((e) => e.after)).toEqual([{ i: 4 }, { i: 3 }]);
      const page2 = store.audit.list({ limit: 2, cursor: page1.nextCursor ?? '' });
      expect(page2.items.map((e) => e.after)).toEqual([{ i: 2 }, { i: 1 }]);
      const page3 = store.audit.list({ limit: 2, cursor: page2.nextCursor ?? '' });
      expect(page3.items.map((e) => e.after)).toEqual([{ i: 0 }]);
      expect(page3.nextCursor).toBeNull();
      expect(store.audit.list({ limit: 10, pack: 'p' }).items).toHaveLength(3);
      expect(store.audit.list({ limit: 10, cursor: 'garbage' }).items).toEqual([]);
      const [first] = store.audit.list({ limit: 5 }).items.slice(-1);
      expect(store.audit.since(first?.id ?? 0, 2).map((e) => e.after)).toEqual([{ i: 1 }, { i: 2 }]);
    });

    it('revisions: start at 0 and only grow', () => {
      const store = makeStore();
      expect(store.revisions.current()).toBe(0);
      expect(store.revisions.next(AT, null)).toBe(1);
      expect(store.revisions.next(AT, null)).toBe(2);
      expect(store.revisions.current()).toBe(2);
    });

    it('transaction: all or nothing, nested calls join the outer one', () => {
      const store = makeStore();
      expect(() =>
        store.transaction(() => {
          store.flags.put(flag('x'), null, AT);
          store.transaction(() => store.revisions.next(AT, null));
          throw new Error('abort');
        }),
      ).toThrow('abort');
      expect(store.flags.get('x')).toBeUndefined();
      expect(store.revisions.current()).toBe(0);
      expect(store.transaction(() => store.flags.put(flag('y'), null, AT).flag.key)).toBe('y');
    });
  });
}
