import { describe, expect, test } from 'vitest';
import type { TraceJoinBounds } from './sqlite-trace-store.js';
import type { TraceAssignment, TraceStore } from './trace-index.js';

const HOUR = 3_600_000;
const assignment: TraceAssignment = {
  rolloutId: 'r1',
  flagKey: 'p',
  arm: 'canary',
  variant: '2',
  scope: 'split',
  unit: 'u1',
};
const trace = (i: number) => i.toString(16).padStart(32, '0');

/** Options a persisted trace store is opened with. */
export interface TraceStoreOptions {
  now: () => number;
  bounds?: Partial<TraceJoinBounds>;
  recent?: number;
}

/** One database that several trace stores open (a restart, or several replicas). */
export interface TraceDatabase {
  open(options: TraceStoreOptions): TraceStore;
  /** Rows of the batch log (one per assignment per flush). */
  batchRows(): number;
}

/**
 * The behaviour of every persisted {@link TraceStore}, run against each engine's adapter: `makeDatabase` gives a
 * fresh, empty database each time.
 */
export function describeTraceStoreContract(name: string, makeDatabase: () => TraceDatabase): void {
  describe(`${name}: the persisted trace join (TraceStore contract)`, () => {
    test('a trace written by one store is found by another on the same database (a restart)', () => {
      const db = makeDatabase();
      let now = 0;
      const before = db.open({ now: () => now });
      before.set(trace(1), assignment);
      before.flush();
      const after = db.open({ now: () => now });
      expect(after.get(trace(1))).toEqual(assignment);
      expect(after.get(trace(2))).toBeUndefined();
      now = 23 * HOUR;
      expect(after.get(trace(1))).toEqual(assignment);
    });

    test('finds traces long gone from the in-memory index of recent ones (17 minutes at 100 flagged requests/s)', () => {
      const db = makeDatabase();
      const store = db.open({ now: () => 0, recent: 10 });
      for (let i = 1; i <= 1000; i++) {
        store.set(trace(i), { ...assignment, unit: `u${i}` });
        if (i % 100 === 0) store.flush();
      }
      expect(store.get(trace(1))).toEqual({ ...assignment, unit: 'u1' });
      expect(store.get(trace(500))?.unit).toBe('u500');
    });

    test('forgets traces older than maxAge and beyond maxRows, oldest first', () => {
      const db = makeDatabase();
      let now = 0;
      const store = db.open({ now: () => now, bounds: { maxAgeMs: 2 * HOUR, maxRows: 3 } });
      for (let i = 1; i <= 5; i++) {
        store.set(trace(i), assignment);
        store.flush();
        now += HOUR / 2;
      }
      const fresh = db.open({ now: () => now, bounds: { maxAgeMs: 2 * HOUR, maxRows: 3 } });
      expect([1, 2, 3, 4, 5].map((i) => fresh.get(trace(i)) !== undefined)).toEqual([
        false,
        false,
        true,
        true,
        true,
      ]);
      now += 2 * HOUR;
      store.set(trace(6), assignment);
      store.flush();
      expect(fresh.size).toBe(1);
      expect([3, 4, 5, 6].map((i) => fresh.get(trace(i)) !== undefined)).toEqual([false, false, false, true]);
    });

    test('a later write for a trace replaces its assignment, and the trace is kept maxAge after its last write', () => {
      const db = makeDatabase();
      let now = 0;
      const store = db.open({ now: () => now, bounds: { maxAgeMs: HOUR } });
      store.set(trace(7), assignment);
      store.flush();
      now = HOUR / 2;
      store.set(trace(7), { ...assignment, arm: 'stable', variant: '1' });
      store.flush();
      const fresh = () => db.open({ now: () => now, bounds: { maxAgeMs: HOUR } });
      expect(fresh().get(trace(7))).toMatchObject({ arm: 'stable', variant: '1' });
      now = HOUR + 1;
      expect(fresh().get(trace(7))).toMatchObject({ arm: 'stable', variant: '1' });
      now = HOUR / 2 + HOUR + 1;
      expect(fresh().get(trace(7))).toBeUndefined();
    });

    test('writes one row per assignment per flush, whatever the number of traces, and reads each trace back', () => {
      const db = makeDatabase();
      const store = db.open({ now: () => 0, recent: 1 });
      const stable = { ...assignment, arm: 'stable' as const, variant: '1' };
      for (let i = 1; i <= 3000; i++) {
        const { unit: _unit, ...withoutUnit } = assignment;
        store.set(
          trace(i),
          i % 3 === 0 ? stable : i % 3 === 1 ? { ...assignment, unit: `u${i}` } : withoutUnit,
        );
      }
      store.flush();
      // Units are per trace, not per batch: two assignments (canary, stable), two rows.
      expect(db.batchRows()).toBe(2);
      const fresh = db.open({ now: () => 0 });
      expect(fresh.size).toBe(3000);
      expect(fresh.get(trace(3))).toEqual({ ...stable });
      expect(fresh.get(trace(1000))).toEqual({ ...assignment, unit: 'u1000' });
      expect(fresh.get(trace(2999))).not.toHaveProperty('unit');
      expect(fresh.get(trace(3001))).toBeUndefined();
      // An id that is not 32 hex digits is kept under a hash of itself.
      store.set('not-a-w3c-id', assignment);
      store.flush();
      expect(db.open({ now: () => 0 }).get('not-a-w3c-id')).toEqual(assignment);
    });

    test('an id found only at an unaligned position of a batch does not match', () => {
      const db = makeDatabase();
      const store = db.open({ now: () => 0, recent: 1 });
      // Two ids whose bytes, side by side, contain a third id starting half-way through the first.
      store.set('00000000000000000000000000000000'.slice(0, 16) + 'ab'.repeat(8), assignment);
      store.set('cd'.repeat(8) + '0'.repeat(16), assignment);
      store.flush();
      const straddling = 'ab'.repeat(8) + 'cd'.repeat(8);
      expect(db.open({ now: () => 0 }).get(straddling)).toBeUndefined();
    });
  });
}
