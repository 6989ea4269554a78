/**
 * The contract every {@link RolloutStore} implementation passes, run by each implementation's test file.
 */
import { describe, expect, it } from 'vitest';
import { pause, type Rollout, rollback, type TransitionResult } from './rollout-state.js';
import type { RolloutStore } from './rollout-store.js';
import { startedRollout } from './testing/rollout-fixtures.js';

const T0 = Date.UTC(2026, 0, 5, 12);

function rolloutOf(id: string, pack: string, startMs: number): Rollout {
  return { ...startedRollout({ canaryWeight: 10 }, startMs), id, pack };
}

function next(result: TransitionResult): Rollout {
  if (!result.ok) throw new Error(result.message);
  return result.rollout;
}

/** Runs the rollout store contract against stores made by `create` (a fresh, empty store each time). */
export function describeRolloutStoreContract(name: string, create: () => RolloutStore): void {
  describe(`${name} (RolloutStore contract)`, () => {
    it('saves a rollout whole and replaces it on the next save', () => {
      const store = create();
      const started = rolloutOf('r1', 'p', T0);
      store.save(started);
      expect(store.get('r1')).toEqual(started);
      const paused = next(pause(started, { actor: 'a', nowMs: T0 + 1 }));
      store.save(paused);
      expect(store.get('r1')).toEqual(paused);
      expect(store.get('nope')).toBeUndefined();
    });

    it('finds the live rollout of a pack and every live one, but not finished ones', () => {
      const store = create();
      const done = next(rollback(rolloutOf('r1', 'p', T0), { actor: 'a', nowMs: T0 }));
      store.save(done);
      expect(store.live('p')).toBeUndefined();
      store.save(rolloutOf('r2', 'p', T0 + 1000));
      store.save(rolloutOf('r3', 'q', T0 + 2000));
      expect(store.live('p')?.id).toBe('r2');
      expect(store.listLive().map((r) => r.id)).toEqual(['r2', 'r3']);
    });

    it('lists newest first, filtered by pack and phase', () => {
      const store = create();
      store.save(next(rollback(rolloutOf('r1', 'p', T0), { actor: 'a', nowMs: T0 })));
      store.save(rolloutOf('r2', 'p', T0 + 1000));
      store.save(rolloutOf('r3', 'q', T0 + 2000));
      expect(store.list().map((r) => r.id)).toEqual(['r3', 'r2', 'r1']);
      expect(store.list({ pack: 'p' }).map((r) => r.id)).toEqual(['r2', 'r1']);
      expect(store.list({ phase: 'RolledBack' }).map((r) => r.id)).toEqual(['r1']);
    });

    it('keeps the timeline in order and deletes a pack rollouts with their timelines', () => {
      const store = create();
      store.save(rolloutOf('r1', 'p', T0));
      const entry = {
        at: 'x',
        from: null,
        to: 'Progressing' as const,
        weight: 10,
        actor: 'a',
        reason: 'start',
      };
      store.appendTimeline('r1', entry);
      store.appendTimeline('r1', { ...entry, from: 'Progressing', to: 'Paused', reason: 'hold' });
      expect(store.timeline('r1').map((e) => e.reason)).toEqual(['start', 'hold']);
      expect(store.deleteForPack('p')).toBe(1);
      expect(store.get('r1')).toBeUndefined();
      expect(store.timeline('r1')).toEqual([]);
    });
  });
}
