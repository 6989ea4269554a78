/**
 * The contract every {@link PackStore} implementation passes, run by each implementation's test file.
 */
import { describe, expect, it } from 'vitest';
import { parsePromptPack } from './pack-schema.js';
import type { PackStore } from './pack-store.js';
import type { PromptPack } from './prompt-pack.js';

function pack(name: string, version: string): PromptPack {
  const result = parsePromptPack({
    apiVersion: 'promptcanary.dev/v1alpha1',
    kind: 'PromptPack',
    metadata: { name },
    spec: { version },
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.pack;
}

const AT = '2026-01-05T12:00:00.000Z';

/** Runs the pack store contract against stores made by `create` (a fresh, empty store each time). */
export function describePackStoreContract(name: string, create: () => PackStore): void {
  describe(`${name} (PackStore contract)`, () => {
    it('creates a pack at revision 1 and reads it back', () => {
      const store = create();
      const stored = store.put({
        pack: pack('a', '1.0'),
        stableVersion: '1.0',
        outcome: 'create',
        rolloutId: null,
        actor: 'admin',
        at: AT,
      });
      expect(stored).toMatchObject({
        name: 'a',
        stableVersion: '1.0',
        revision: 1,
        createdAt: AT,
        updatedAt: AT,
      });
      expect(store.get('a')).toEqual(stored);
      expect(store.get('b')).toBeUndefined();
    });

    it('numbers revisions and keeps the history newest first', () => {
      const store = create();
      store.put({
        pack: pack('a', '1.0'),
        stableVersion: '1.0',
        outcome: 'create',
        rolloutId: null,
        actor: 'x',
        at: AT,
      });
      const second = store.put({
        pack: pack('a', '2.0'),
        stableVersion: '1.0',
        outcome: 'start_rollout',
        rolloutId: 'r1',
        actor: 'y',
        at: '2026-01-06T00:00:00.000Z',
      });
      expect(second).toMatchObject({ revision: 2, stableVersion: '1.0', createdAt: AT });
      expect(store.history('a').map((r) => [r.revision, r.version, r.outcome, r.rolloutId, r.actor])).toEqual(
        [
          [2, '2.0', 'start_rollout', 'r1', 'y'],
          [1, '1.0', 'create', null, 'x'],
        ],
      );
    });

    it('changes the ETag with every revision and with the stable version', () => {
      const store = create();
      const first = store.put({
        pack: pack('a', '1.0'),
        stableVersion: '1.0',
        outcome: 'create',
        rolloutId: null,
        actor: 'x',
        at: AT,
      });
      const second = store.put({
        pack: pack('a', '2.0'),
        stableVersion: '1.0',
        outcome: 'start_rollout',
        rolloutId: 'r',
        actor: 'x',
        at: AT,
      });
      const completed = store.setStableVersion('a', '2.0', AT);
      expect(new Set([first.etag, second.etag, completed.etag]).size).toBe(3);
      expect(completed).toMatchObject({ stableVersion: '2.0', revision: 2 });
    });

    it('lists by name and deletes a pack with its history', () => {
      const store = create();
      for (const n of ['b', 'a'])
        store.put({
          pack: pack(n, '1'),
          stableVersion: '1',
          outcome: 'create',
          rolloutId: null,
          actor: 'x',
          at: AT,
        });
      expect(store.list().map((p) => p.name)).toEqual(['a', 'b']);
      expect(store.delete('a')).toBe(true);
      expect(store.delete('a')).toBe(false);
      expect(store.history('a')).toEqual([]);
      expect(store.list().map((p) => p.name)).toEqual(['b']);
    });
  });
}
