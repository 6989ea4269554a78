import { describe, expect, it } from 'vitest';
import { describePlan, planApply } from './apply-plan.js';

const base = { version: '2.5.0', stableVersion: '2.4.0', live: null, changed: true, specChanged: true };

describe('what applying a pack would do', () => {
  it('refuses a version applied before with other content, before any rollout rule', () => {
    const live = { id: 'r1', canaryVersion: '2.5.0' };
    for (const input of [
      { ...base, version: '2.4.0' },
      { ...base, live },
      { ...base, live, version: '2.6.0' },
    ]) {
      const plan = planApply({ ...input, versionContentChanged: true });
      expect(plan).toMatchObject({ kind: 'conflict', code: 'version_content_changed' });
      expect(describePlan(plan)).toContain('would be refused (409 version_content_changed)');
    }
  });

  it('creates a pack that does not exist', () => {
    expect(planApply({ ...base, stableVersion: null })).toEqual({ kind: 'create', version: '2.5.0' });
  });

  it('starts a rollout for a new version when none is live', () => {
    const plan = planApply(base);
    expect(plan).toEqual({ kind: 'start_rollout', stableVersion: '2.4.0', canaryVersion: '2.5.0' });
    expect(describePlan(plan)).toBe('would start a rollout 2.4.0 → 2.5.0');
  });

  it('is a no-op for the same pack, and an update for other changes to the stable version', () => {
    expect(planApply({ ...base, version: '2.4.0', changed: false, specChanged: false }).kind).toBe('no_op');
    expect(planApply({ ...base, version: '2.4.0' }).kind).toBe('update');
  });

  it('is refused with 409 for another version while a rollout is live', () => {
    const plan = planApply({ ...base, version: '2.6.0', live: { id: 'r1', canaryVersion: '2.5.0' } });
    expect(plan).toMatchObject({ kind: 'conflict', code: 'rollout_in_progress' });
    expect(describePlan(plan)).toMatch(/^would be refused \(409 rollout_in_progress\)/);
  });

  it('is a no-op for the live canary spec and a conflict for a changed one', () => {
    const live = { id: 'r1', canaryVersion: '2.5.0' };
    expect(planApply({ ...base, live, changed: false, specChanged: false }).kind).toBe('no_op');
    expect(planApply({ ...base, live, changed: true, specChanged: false }).kind).toBe('update');
    expect(planApply({ ...base, live }).kind).toBe('conflict');
  });

  it('rolls back at once when the stable version is applied during a rollout', () => {
    expect(planApply({ ...base, version: '2.4.0', live: { id: 'r1', canaryVersion: '2.5.0' } })).toEqual({
      kind: 'fast_rollback',
      rolloutId: 'r1',
    });
  });
});
