import { ArmAggregate, UnitExposures } from '@prompt-canary/analysis';
import type { Flag } from '@prompt-canary/rules';
import { describe, expect, it } from 'vitest';
import type { ControllerRecord } from '../controller/controller-state-store.js';
import { parsePromptPack } from '../packs/pack-schema.js';
import { startedRollout } from '../rollouts/testing/rollout-fixtures.js';
import type { Store } from './store.js';

const AT = '2025-01-01T00:00:00.000Z';
const LATER = '2025-01-02T00:00:00.000Z';

function aggregate(spans: number, errors: number): ArmAggregate {
  const a = new ArmAggregate();
  for (let i = 0; i < spans; i++) {
    a.addSpan({
      flagKey: 'p',
      variant: 'v',
      splitAssigned: true,
      endTimeMs: 1,
      durationMs: 100 + i,
      error: i < errors,
      attributes: {},
    });
  }
  return a;
}

function controllerRecord(failures: number): ControllerRecord {
  return {
    memory: { failures: { success_rate: failures } } as unknown as ControllerRecord['memory'],
    sequentialState: { looks: failures },
    lastCheck: null,
  };
}

function flag(key: string, defaultVariant = 'on'): Flag {
  return { key, state: 'ENABLED', variants: { on: true, off: false }, defaultVariant };
}

/**
 * The behaviour every {@link Store} implementation must have, run against each one (SQLite and PostgreSQL), so
 * that no adapter can drift from the others.
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

    it('pack versions: recorded once, listed in first-apply order, immutable, forgotten with the pack', () => {
      const store = makeStore();
      const bundle = (version: string, text: string) => ({
        version,
        prompts: { system: { text } },
        model: { name: 'gpt-x', parameters: { temperature: 0.2 } },
        attributes: {},
      });
      const version = (v: string, text: string, revision: number) => ({
        pack: 'p',
        version: v,
        contentHash: `sha256:${v}-${text}`,
        bundle: bundle(v, text),
        bytes: 10,
        revision,
        actor: 'admin',
        firstAppliedAt: AT,
      });
      store.packVersions.record(version('2.3.1', 'old', 1));
      store.packVersions.record(version('2.4.0', 'new', 2));
      // A second record of a version (the route refuses a different content first) leaves the first in place.
      store.packVersions.record(version('2.3.1', 'other', 3));
      store.packVersions.record({ ...version('2.3.1', 'old', 1), pack: 'q' });
      expect(store.packVersions.list('p').map((v) => [v.version, v.contentHash, v.revision])).toEqual([
        ['2.3.1', 'sha256:2.3.1-old', 1],
        ['2.4.0', 'sha256:2.4.0-new', 2],
      ]);
      expect(store.packVersions.get('p', '2.4.0')).toEqual(version('2.4.0', 'new', 2));
      expect(store.packVersions.get('p', '9.9.9')).toBeUndefined();
      store.packVersions.deletePack('p');
      expect(store.packVersions.list('p')).toEqual([]);
      expect(store.packVersions.list('q')).toHaveLength(1);
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
    it("controller: saves and reads back a rollout's record, the last save winning", () => {
      const store = makeStore();
      store.rollouts.save({ ...startedRollout({ canaryWeight: 10 }), id: 'r1' });
      store.rollouts.save({ ...startedRollout({ canaryWeight: 10 }), id: 'r2', pack: 'other' });
      expect(store.controller.get('r1')).toBeUndefined();
      store.controller.save('r1', controllerRecord(1), AT);
      store.controller.save('r1', controllerRecord(2), LATER);
      store.controller.save('r2', { ...controllerRecord(0), sequentialState: undefined }, AT);
      expect(store.controller.get('r1')).toEqual(controllerRecord(2));
      expect(store.controller.get('r2')?.sequentialState).toBeUndefined();
    });

    it('slices: commits merge into a slice, reads filter by time, arm and scope, the first source wins', () => {
      const store = makeStore();
      const key = { rolloutId: 'r1', arm: 'canary', scope: 'split', sliceStart: 10_000 } as const;
      store.slices.commit([{ key, partial: aggregate(3, 1) }], new Map([['r1', 'spans']]));
      store.slices.commit(
        [
          { key, partial: aggregate(2, 0) },
          { key: { ...key, arm: 'stable' }, partial: aggregate(5, 0) },
          { key: { ...key, sliceStart: 20_000 }, partial: aggregate(1, 1) },
        ],
        new Map([['r1', 'metrics']]),
      );
      const all = store.slices.read({ rolloutId: 'r1', fromMs: 0, toMs: 30_000 });
      expect(all.map((s) => [s.key.arm, s.key.sliceStart, s.aggregate.spans, s.aggregate.errors])).toEqual(
        expect.arrayContaining([
          ['canary', 10_000, 5, 1],
          ['stable', 10_000, 5, 0],
          ['canary', 20_000, 1, 1],
        ]),
      );
      expect(all).toHaveLength(3);
      expect(store.slices.read({ rolloutId: 'r1', fromMs: 15_000, toMs: 30_000 })).toHaveLength(1);
      expect(store.slices.read({ rolloutId: 'r1', fromMs: 0, toMs: 30_000, arms: ['stable'] })).toHaveLength(
        1,
      );
      expect(store.slices.read({ rolloutId: 'r1', fromMs: 0, toMs: 30_000, scopes: ['other'] })).toEqual([]);
      expect(store.slices.read({ rolloutId: 'r2', fromMs: 0, toMs: 30_000 })).toEqual([]);
      expect(store.slices.source('r1')).toBe('spans');
      expect(store.slices.source('r2')).toBeUndefined();
    });

    it("slices: a downstream service's counters merge and read back", () => {
      const store = makeStore();
      const key = { rolloutId: 'r1', arm: 'canary', scope: 'split', sliceStart: 10_000 } as const;
      const first = aggregate(2, 0);
      first.addDownstream({ service: 'billing-parser', error: true, durationMs: 250, unit: 'u-1' });
      const second = new ArmAggregate();
      second.addDownstream({ service: 'billing-parser', error: false, durationMs: 50 });
      store.slices.commit([{ key, partial: first }]);
      store.slices.commit([{ key, partial: second }]);
      const [slice] = store.slices.read({ rolloutId: 'r1', fromMs: 0, toMs: 30_000 });
      expect(slice?.aggregate.spans).toBe(2);
      const d = slice?.aggregate.downstream.get('billing-parser');
      expect([d?.requests, d?.errors, d?.unitRequests, d?.latency.count]).toEqual([2, 1, 1, 2]);
    });

    it('exposures: merged over the rollout from a time on, each unit at its earliest exposure', () => {
      const store = makeStore();
      const exposures = (entries: Array<[string, 'stable' | 'canary', number]>) => {
        const e = new UnitExposures();
        for (const [unit, arm, at] of entries) e.add(unit, arm, 0.1, at);
        return e;
      };
      store.slices.commit([], undefined, [
        {
          rolloutId: 'r1',
          sliceStart: 0,
          partial: exposures([
            ['a', 'stable', 5],
            ['b', 'canary', 6],
          ]),
        },
      ]);
      store.slices.commit([], undefined, [
        { rolloutId: 'r1', sliceStart: 0, partial: exposures([['c', 'stable', 7]]) },
        {
          rolloutId: 'r1',
          sliceStart: 10,
          partial: exposures([
            ['a', 'canary', 12],
            ['d', 'canary', 13],
          ]),
        },
        { rolloutId: 'r2', sliceStart: 0, partial: exposures([['z', 'stable', 1]]) },
      ]);
      // `a` moved to the canary later: it still counts once, on the arm of its first exposure.
      expect(store.slices.exposures('r1').counts()).toMatchObject({ stable: 2, canary: 2 });
      expect(store.slices.exposures('r1', 10).counts()).toMatchObject({ stable: 0, canary: 2 });
      expect(store.slices.exposures('r3').size).toBe(0);
      expect(store.slices.pruneFinishedBefore(5)).toBe(0);
      expect(store.slices.exposures('r1').size).toBe(2);
    });

    it('slices and audit: retention prunes what is older than the cutoff, and nothing else', () => {
      const store = makeStore();
      const key = { rolloutId: 'finished', arm: 'canary', scope: 'split', sliceStart: 1_000 } as const;
      store.slices.commit([
        { key, partial: aggregate(1, 0) },
        { key: { ...key, sliceStart: 9_000 }, partial: aggregate(1, 0) },
      ]);
      expect(store.slices.pruneFinishedBefore(5_000)).toBe(1);
      expect(
        store.slices.read({ rolloutId: 'finished', fromMs: 0, toMs: 10_000 }).map((s) => s.key.sliceStart),
      ).toEqual([9_000]);
      const entry = {
        actor: 'a',
        action: 'x',
        target: 't',
        pack: null,
        reason: null,
        before: null,
        after: null,
      };
      const old = store.audit.append({ ...entry, at: AT, revision: null });
      store.revisions.next(AT, old);
      store.audit.append({ ...entry, at: LATER, revision: null });
      expect(store.audit.pruneBefore(LATER)).toBe(1);
      expect(store.audit.list({ limit: 10 }).items.map((e) => e.at)).toEqual([LATER]);
      expect(store.revisions.current()).toBe(1);
    });

    it("baselines: one version's slices per pack, bounded from the newest slice, gone with the pack", () => {
      const store = makeStore();
      const id = 'baseline:p';
      const at = (rolloutId: string, sliceStart: number) => ({
        key: { rolloutId, arm: 'stable', scope: 'split', sliceStart } as const,
        partial: aggregate(1, 0),
      });
      const starts = (rolloutId: string) =>
        store.slices.read({ rolloutId, fromMs: 0, toMs: 1e12 }).map((s) => s.key.sliceStart);
      const spans = (rolloutId: string) =>
        store.slices.read({ rolloutId, fromMs: 0, toMs: 1e12 }).reduce((n, s) => n + s.aggregate.spans, 0);
      const pack = parsePromptPack({
        apiVersion: 'promptcanary.dev/v1alpha1',
        kind: 'PromptPack',
        metadata: { name: 'p' },
        spec: { version: '1.0' },
      });
      if (!pack.ok) throw new Error('fixture');
      const write = { outcome: 'create', rolloutId: null, actor: 'a', at: AT } as const;
      store.packs.put({ ...write, pack: pack.pack, stableVersion: '1.0' });
      expect(store.slices.holdBaseline('p', '1.0')).toBe(0);
      // A baseline of a pack that does not exist (deleted while no process held it) and a finished rollout.
      store.slices.holdBaseline('gone', '3.0');
      store.slices.commit(
        [at(id, 0), at(id, 1_000), at(id, 5_000), at(id, 10_000), at('baseline:gone', 10_000), at('r1', 0)],
        new Map([[id, 'spans']]),
      );
      expect(store.slices.holdBaseline('p', '1.0')).toBe(0);
      expect(starts(id)).toEqual([0, 1_000, 5_000, 10_000]);
      // Kept: what starts less than the hold before the newest slice (10 000), whatever the time now.
      expect(store.slices.pruneBaselines(5_000)).toBe(4);
      expect(starts(id)).toEqual([10_000]);
      expect(starts('baseline:gone')).toEqual([]);
      expect(starts('r1')).toEqual([0]);
      expect(store.slices.pruneBaselines(5_000)).toBe(0);
      // A slice pruned and written again starts from nothing (no cached figures come back).
      store.slices.commit([at(id, 0)]);
      expect(spans(id)).toBe(2);
      expect(store.slices.pruneBaselines(5_000)).toBe(1);
      expect(store.slices.source(id)).toBe('spans');
      // Another stable version: the old one's slices and source go before the new one's first slice.
      expect(store.slices.holdBaseline('p', '2.0')).toBe(1);
      expect(store.slices.source(id)).toBeUndefined();
      store.slices.commit([at(id, 10_000)]);
      expect(spans(id)).toBe(1);
      expect(store.slices.deleteBaseline('p')).toBe(1);
      expect(starts(id)).toEqual([]);
      expect(store.slices.holdBaseline('p', '2.0')).toBe(0);
    });

    it("traces: remembers a trace's assignment, the last write winning", () => {
      const store = makeStore();
      const assignment = {
        rolloutId: 'r1',
        flagKey: 'p',
        arm: 'canary',
        variant: '2',
        scope: 'split',
      } as const;
      store.traces.set('t1', assignment);
      store.traces.set('t1', { ...assignment, arm: 'stable', variant: '1' });
      expect(store.traces.get('t1')).toMatchObject({ arm: 'stable', variant: '1' });
      expect(store.traces.get('t2')).toBeUndefined();
      expect(store.traces.size).toBe(1);
    });

    it('evaluations: batches are sent, scored once answered, late past their deadline, summed per rollout', () => {
      const store = makeStore();
      store.rollouts.save({ ...startedRollout({ canaryWeight: 10 }), id: 'r1' });
      const batch = {
        id: 'b1',
        rolloutId: 'r1',
        pack: 'p',
        sentAt: 1000,
        deadlineAt: 2000,
        traces: { stable: 3, canary: 2 },
        scores: 0,
        scoredAt: null,
        state: 'pending',
      } as const;
      store.evaluations.add(batch);
      store.evaluations.add({ ...batch, id: 'b2', sentAt: 1500, deadlineAt: 2500 });
      store.evaluations.add({ ...batch, id: 'b3', sentAt: 1600, deadlineAt: 9000 });
      expect(store.evaluations.scored('b1', 4, 1800)).toBe(true);
      expect(store.evaluations.scored('nope', 1, 1800)).toBe(false);
      expect(store.evaluations.markLate(2600).map((b) => b.id)).toEqual(['b2']);
      expect(store.evaluations.markLate(2700)).toEqual([]);
      // A late answer is credited, and the batch stays late.
      expect(store.evaluations.scored('b2', 1, 3000)).toBe(true);
      expect(store.evaluations.get('b1')).toMatchObject({ state: 'scored', scores: 4, scoredAt: 1800 });
      expect(store.evaluations.get('b2')).toMatchObject({ state: 'late', scores: 1, scoredAt: 3000 });
      expect(store.evaluations.summary('r1')).toEqual({
        sent: 3,
        scored: 1,
        late: 1,
        pending: 1,
        lastSentAt: 1600,
      });
      expect(store.evaluations.summary('r2')).toEqual({
        sent: 0,
        scored: 0,
        late: 0,
        pending: 0,
        lastSentAt: null,
      });
    });

    it("drills: keeps each pack's last drill, the latest save winning", () => {
      const store = makeStore();
      const step = { name: 'committed', ok: true, ms: 3, detail: 'revision 7 committed' };
      store.drills.save('p', { at: '2026-01-01T00:00:00.000Z', ok: false, revision: 7, steps: [step] });
      store.drills.save('p', { at: '2026-01-02T00:00:00.000Z', ok: true, revision: 9, steps: [step, step] });
      store.drills.save('q', { at: '2026-01-03T00:00:00.000Z', ok: true, revision: 10, steps: [] });
      expect(store.drills.last('p')).toEqual({
        at: '2026-01-02T00:00:00.000Z',
        ok: true,
        revision: 9,
        steps: [step, step],
      });
      expect(store.drills.last('none')).toBeUndefined();
      expect([...store.drills.all().keys()]).toEqual(['p', 'q']);
      store.drills.deletePack('p');
      expect(store.drills.last('p')).toBeUndefined();
      expect([...store.drills.all().keys()]).toEqual(['q']);
    });

    it('ping: answers while the store is usable', () => {
      expect(() => makeStore().ping()).not.toThrow();
    });
  });
}
