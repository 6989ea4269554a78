import { ArmAggregate } from '@prompt-canary/analysis';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../db/database.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { SqliteSliceStore } from './sqlite-slice-store.js';

describe("SQLite slices: downstream services' counters", () => {
  const key = { rolloutId: 'r1', arm: 'canary', scope: 'split', sliceStart: 10_000 } as const;

  it('are written to the row and read back by a store that never saw them (no cache)', () => {
    const db = openDatabase(':memory:');
    const store = new SqliteStore(db);
    const partial = new ArmAggregate();
    partial.addDownstream({ service: 'billing-parser', error: true, durationMs: 250, unit: 'u-1' });
    partial.addDownstream({ service: 'billing-parser', error: false, durationMs: 40 }, 3);
    store.slices.commit([{ key, partial }]);
    const [slice] = new SqliteSliceStore(db).read({ rolloutId: 'r1', fromMs: 0, toMs: 30_000 });
    expect(slice?.aggregate.serialize()).toEqual(partial.serialize());
    expect(slice?.aggregate.downstream.get('billing-parser')?.requests).toBe(4);
    expect(slice?.aggregate.spans).toBe(0);
    db.close();
  });

  it('decode from rows written before them, which then merge with new ones', () => {
    const db = openDatabase(':memory:');
    const store = new SqliteStore(db);
    const old = new ArmAggregate();
    old.addSpan({
      flagKey: 'p',
      variant: 'v',
      splitAssigned: true,
      endTimeMs: 1,
      durationMs: 100,
      error: false,
      attributes: {},
    });
    const json: Record<string, unknown> = { ...old.serialize() };
    // The form before downstream counters (and before unit clusters).
    delete json.units;
    delete json.downstream;
    db.prepare(
      'INSERT INTO aggregate_slices (rollout_id, arm, scope, slice_start, data) VALUES (?, ?, ?, ?, ?)',
    ).run('r1', 'canary', 'split', 10_000, JSON.stringify(json));
    const partial = new ArmAggregate();
    partial.addDownstream({ service: 'billing-parser', error: true, durationMs: 250 });
    store.slices.commit([{ key, partial }]);
    const [slice] = new SqliteSliceStore(db).read({ rolloutId: 'r1', fromMs: 0, toMs: 30_000 });
    expect(slice?.aggregate.spans).toBe(1);
    expect(slice?.aggregate.downstream.get('billing-parser')?.errors).toBe(1);
    db.close();
  });
});
