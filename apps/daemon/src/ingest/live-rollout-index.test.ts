import { describe, expect, it } from 'vitest';
import { parsePromptPack } from '../packs/pack-schema.js';
import type { StoredPack } from '../packs/pack-store.js';
import type { Rollout } from '../rollouts/rollout-state.js';
import { startedRollout } from '../rollouts/testing/rollout-fixtures.js';
import { armOf, LiveRolloutIndex } from './live-rollout-index.js';

function stored(name: string, stableVersion: string): StoredPack {
  const parsed = parsePromptPack({
    apiVersion: 'promptcanary.dev/v1alpha1',
    kind: 'PromptPack',
    metadata: { name },
    spec: { version: stableVersion },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const at = '2026-01-01T00:00:00.000Z';
  return { name, stableVersion, revision: 1, pack: parsed.pack, etag: 'e', createdAt: at, updatedAt: at };
}

/** An index on fake stores that record what it asked the slice store to do. */
function setup(live: Rollout[] = []) {
  const calls: string[] = [];
  const state = { packs: [stored('p', '1.0')], fail: false, live };
  const errors: string[] = [];
  const index = new LiveRolloutIndex(
    { listLive: () => state.live },
    {
      source: () => undefined,
      holdBaseline: (pack, version) => {
        calls.push(`hold ${pack} ${version}`);
        if (state.fail) throw new Error('database is locked');
        return 0;
      },
      deleteBaseline: (pack) => {
        calls.push(`delete ${pack}`);
        if (state.fail) throw new Error('database is locked');
        return 0;
      },
    },
    { packs: { list: () => state.packs }, onError: (_e, pack) => errors.push(pack) },
  );
  return { index, calls, state, errors };
}

describe('LiveRolloutIndex: packs at rest', () => {
  it('indexes a pack at rest as its baseline, by its key and its companion key, with no canary', () => {
    const { index, calls } = setup();
    const entry = index.get('p');
    expect(entry?.rollout).toEqual({
      id: 'baseline:p',
      pack: 'p',
      stableVersion: '1.0',
      canaryVersion: undefined,
    });
    expect(entry?.live).toBeUndefined();
    expect(index.get('p.content')).toBe(entry);
    expect(index.byRolloutId('baseline:p')).toBe(entry);
    expect(calls).toEqual(['hold p 1.0']);
    const rollout = entry?.rollout ?? { canaryVersion: undefined, stableVersion: '' };
    expect(armOf(rollout, '1.0')).toBe('stable');
    expect(armOf(rollout, undefined)).toBeUndefined();
    expect(armOf(rollout, '2.0')).toBeUndefined();
  });

  it('resets the store only when the stable version changes, and deletes the baseline of a pack that is gone', () => {
    const { index, calls, state } = setup();
    index.refresh();
    expect(calls).toEqual(['hold p 1.0']);
    state.packs = [stored('p', '2.0')];
    index.refresh();
    expect(index.get('p')?.rollout.stableVersion).toBe('2.0');
    expect(index.baselineHolds('p', '2.0')).toBe(true);
    expect(index.baselineHolds('p', '1.0')).toBe(false);
    state.packs = [];
    index.refresh();
    expect(index.get('p')).toBeUndefined();
    expect(calls).toEqual(['hold p 1.0', 'hold p 2.0', 'delete p']);
  });

  it('leaves a pack out while its baseline cannot be reset, and tries again on the next refresh', () => {
    const { index, calls, state, errors } = setup();
    state.fail = true;
    state.packs = [stored('p', '2.0')];
    index.refresh();
    expect(index.get('p')).toBeUndefined();
    expect(errors).toEqual(['p']);
    state.fail = false;
    index.refresh();
    expect(index.get('p')?.rollout.stableVersion).toBe('2.0');
    state.fail = true;
    state.packs = [];
    index.refresh();
    state.fail = false;
    index.refresh();
    expect(calls).toEqual(['hold p 1.0', 'hold p 2.0', 'hold p 2.0', 'delete p', 'delete p']);
  });

  it("indexes a pack with a live rollout as the rollout, and still deletes the pack's baseline with the pack", () => {
    const rollout = startedRollout({ canaryWeight: 10 });
    const { index, calls, state } = setup([rollout]);
    state.packs = [stored('support-prompts', '2.3.1')];
    index.refresh();
    expect(index.get('support-prompts')?.live).toBe(rollout);
    expect(index.get('support-prompts')?.rollout.canaryVersion).toBe('2.4.0');
    // Live since before this process started: it never held the baseline, which goes with the pack all the same.
    state.packs = [];
    state.live = [];
    index.refresh();
    expect(calls).toEqual(['hold p 1.0', 'delete p', 'delete support-prompts']);
  });
});
