import { describe, expect, test } from 'vitest';
import { parsePromptPack } from './pack-schema.js';
import type { RolloutSpec } from './prompt-pack.js';

function packWith(rollout: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: 'promptcanary.dev/v1alpha1',
    kind: 'PromptPack',
    metadata: { name: 'support-prompts' },
    spec: { version: '2.4.0', rollout },
  };
}

function rolloutOf(rollout: Record<string, unknown>): RolloutSpec {
  const result = parsePromptPack(packWith(rollout));
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.pack.spec.rollout;
}

function issuesOf(rollout: Record<string, unknown>) {
  const result = parsePromptPack(packWith(rollout));
  if (result.ok) throw new Error('expected the pack to be rejected');
  return result.issues;
}

describe('strategy: blueGreen accepts', () => {
  test('a switch with no preview, the rollback window defaulting to 1h', () => {
    const spec = rolloutOf({ strategy: 'blueGreen' });
    expect(spec).toMatchObject({ strategy: 'blueGreen', rollbackWindowMs: 3_600_000, monitorForMs: 0 });
    expect(spec.preview).toBeUndefined();
    expect(spec.segments).toEqual([]);
    expect(spec.schedule).toEqual([]);
  });

  test('a preview of a daemon segment by name, at 100% unless it says otherwise', () => {
    const spec = rolloutOf({
      strategy: 'blueGreen',
      preview: { segment: 'internal_users', duration: '30m' },
      rollbackWindow: '2h',
    });
    expect(spec.preview).toEqual({ segment: { name: 'internal_users' }, weight: 100, durationMs: 1_800_000 });
    expect(spec.rollbackWindowMs).toBe(7_200_000);
  });

  test('a preview of an inline segment at a weight', () => {
    const spec = rolloutOf({
      strategy: 'blueGreen',
      preview: { segment: { name: 'beta', match: { beta: true } }, weight: '50%', duration: '1h' },
    });
    expect(spec.preview).toEqual({
      segment: { name: 'beta', match: { beta: true } },
      weight: 50,
      durationMs: 3_600_000,
    });
  });

  test('a preview of a share of everyone', () => {
    const spec = rolloutOf({ strategy: 'blueGreen', preview: { weight: 10, duration: '15m' } });
    expect(spec.preview).toEqual({ weight: 10, durationMs: 900_000 });
  });

  test('a canary pack is unchanged: no preview, no rollback window', () => {
    const spec = rolloutOf({ canaryWeight: 10 });
    expect(spec.strategy).toBe('canary');
    expect('preview' in spec).toBe(false);
    expect('rollbackWindowMs' in spec).toBe(false);
  });
});

describe('strategy: blueGreen refuses', () => {
  const P = ['spec', 'rollout'];
  test.each([
    ['canaryWeight', { canaryWeight: 10 }],
    ['stepWeight', { stepWeight: 10 }],
    ['stepInterval', { stepInterval: '5m' }],
    ['maxWeight', { maxWeight: 50 }],
    ['steps', { steps: [{ weight: 10 }] }],
    ['segments', { segments: [{ name: 'beta', match: { beta: true }, weight: 100, duration: '1h' }] }],
    ['schedule', { schedule: [{ window: '02:00-06:00', canaryWeight: 50 }] }],
    ['monitorFor', { monitorFor: '1h' }],
  ])('%s, naming preview and rollbackWindow instead', (field, extra) => {
    const issues = issuesOf({ strategy: 'blueGreen', ...extra });
    const issue = issues.find((i) => JSON.stringify(i.path) === JSON.stringify([...P, field]));
    expect(issue, JSON.stringify(issues)).toBeDefined();
    expect(issue?.message).toContain('blueGreen has preview');
    expect(issue?.message).toContain('rollbackWindow');
  });

  test.each([
    ['preview', { preview: { weight: 10, duration: '5m' } }],
    ['rollbackWindow', { rollbackWindow: '1h' }],
  ])('%s on a canary', (field, extra) => {
    const issues = issuesOf({ canaryWeight: 10, ...extra });
    const issue = issues.find((i) => JSON.stringify(i.path) === JSON.stringify([...P, field]));
    expect(issue, JSON.stringify(issues)).toBeDefined();
    expect(issue?.message).toContain('strategy: blueGreen');
  });

  test.each([
    ['a preview without a duration', { segment: 'internal_users' }, 'duration', 'required'],
    ['a preview without a segment or a weight', { duration: '5m' }, 'weight', 'required'],
    ['a preview of 100% of everyone', { weight: 100, duration: '5m' }, 'weight', 'switch itself'],
    ['a preview of 0%', { segment: 'internal_users', weight: 0, duration: '5m' }, 'weight', 'above 0'],
    ['a bad segment name', { segment: '-x', duration: '5m' }, 'segment', 'segment'],
    ['an unknown preview field', { weight: 10, duration: '5m', ramp: true }, '', 'ramp'],
  ])('%s', (_name, preview, field, words) => {
    const issues = issuesOf({ strategy: 'blueGreen', preview });
    const path = [...P, 'preview', ...(field === '' ? [] : [field])];
    const issue = issues.find((i) => JSON.stringify(i.path).startsWith(JSON.stringify(path).slice(0, -1)));
    expect(issue, JSON.stringify(issues)).toBeDefined();
    expect(JSON.stringify(issues)).toContain(words);
  });

  test('an unknown strategy', () => {
    const issues = issuesOf({ strategy: 'rolling' });
    expect(issues[0]?.path).toEqual([...P, 'strategy']);
    expect(issues[0]?.message).toContain('blueGreen');
  });
});
