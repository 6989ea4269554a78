import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createApp } from '../app.js';
import { ManualClock } from '../clock/clock.js';
import { openDatabase } from '../db/database.js';
import { SqliteStore } from '../store/sqlite-store.js';
import type { ChangeEvent } from './change-feed.js';
import { commitChange } from './commit-change.js';

function setup() {
  const db = openDatabase(':memory:');
  const { ctx } = createApp({
    store: new SqliteStore(db),
    clock: new ManualClock(),
    logger: pino({ level: 'silent' }),
  });
  const events: ChangeEvent[] = [];
  ctx.feed.subscribe((e) => events.push(e));
  return { ctx, events };
}

const flag = (key: string) => ({
  key,
  state: 'ENABLED' as const,
  variants: { on: true },
  defaultVariant: 'on',
});

describe('commitChange', () => {
  it('writes the mutation, its audit entry and a new revision together, then announces them', () => {
    const { ctx, events } = setup();
    const committed = commitChange(
      ctx,
      { actor: 'alice', action: 'flag.put', target: 'flag:a', reason: 'test', configChanged: true },
      (store) => store.flags.put(flag('a'), null, '2025-01-01T00:00:00.000Z'),
    );
    expect(committed.revision).toBe(1);
    expect(ctx.store.flags.get('a')?.flag.key).toBe('a');
    expect(ctx.store.audit.list({ limit: 10 }).items[0]).toMatchObject({ actor: 'alice', revision: 1 });
    expect(events).toHaveLength(1);
    expect(events[0]?.revision).toBe(1);
    expect(ctx.config.current().revision).toBe(1);
  });

  it('keeps revisions monotonic and skips them for changes that leave the config alone', () => {
    const { ctx } = setup();
    const base = { actor: 'a', action: 'x', target: 't' };
    const r1 = commitChange(ctx, { ...base, configChanged: true }, () => 1).revision;
    const r2 = commitChange(ctx, { ...base, configChanged: false }, () => 2).revision;
    const r3 = commitChange(ctx, { ...base, configChanged: true }, () => 3).revision;
    expect([r1, r2, r3]).toEqual([1, null, 2]);
  });

  it('writes nothing and announces nothing when the mutation throws half-way', () => {
    const { ctx, events } = setup();
    expect(() =>
      commitChange(ctx, { actor: 'a', action: 'x', target: 't', configChanged: true }, (store) => {
        store.flags.put(flag('half'), null, '2025-01-01T00:00:00.000Z');
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(ctx.store.flags.get('half')).toBeUndefined();
    expect(ctx.store.audit.list({ limit: 10 }).items).toEqual([]);
    expect(ctx.store.revisions.current()).toBe(0);
    expect(events).toEqual([]);
  });

  it('records nothing when the change function declares a no-op', () => {
    const { ctx, events } = setup();
    const committed = commitChange(
      ctx,
      () => null,
      () => 'same',
    );
    expect(committed).toEqual({ result: 'same', audit: null, revision: null });
    expect(events).toEqual([]);
  });
});
