import { describe, expect, test } from 'vitest';
import { canonicalJson } from '../http/canonical-json.js';
import { decideApply, type StoredPackState } from './apply-decision.js';
import { parsePromptPack } from './pack-schema.js';
import type { PromptPack } from './prompt-pack.js';

function pack(
  version: string,
  rollout: Record<string, unknown> = { canaryWeight: 10 },
  labels?: Record<string, string>,
): PromptPack {
  const result = parsePromptPack({
    apiVersion: 'promptcanary.dev/v1alpha1',
    kind: 'PromptPack',
    metadata: { name: 'support-prompts', ...(labels ? { labels } : {}) },
    spec: { version, rollout },
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.pack;
}

const stored = (stableVersion: string, last: PromptPack): StoredPackState => ({
  stableVersion,
  pack: last,
  revision: 3,
});
const live = { id: 'r1', canaryVersion: '2.4.0' };

describe('decideApply', () => {
  test('the first apply makes the version stable without a rollout (201)', () => {
    expect(decideApply({ stored: null, live: null, incoming: pack('2.3.1') })).toEqual({
      kind: 'create',
      status: 201,
    });
  });

  test('a new version with no live rollout starts one from the stable version', () => {
    expect(
      decideApply({ stored: stored('2.3.1', pack('2.3.1')), live: null, incoming: pack('2.4.0') }),
    ).toEqual({
      kind: 'start_rollout',
      status: 200,
      stableVersion: '2.3.1',
      canaryVersion: '2.4.0',
    });
  });

  test('the same spec while its rollout is live changes nothing, even written with other units', () => {
    const incoming = pack('2.4.0', { canaryWeight: '10%' });
    expect(decideApply({ stored: stored('2.3.1', pack('2.4.0')), live, incoming })).toEqual({
      kind: 'unchanged',
      status: 200,
    });
  });

  test('a label change while live is a new revision that leaves the rollout alone', () => {
    const incoming = pack('2.4.0', { canaryWeight: 10 }, { team: 'support' });
    expect(decideApply({ stored: stored('2.3.1', pack('2.4.0')), live, incoming }).kind).toBe('update');
  });

  test('a different version while live is 409 rollout_in_progress', () => {
    const decision = decideApply({ stored: stored('2.3.1', pack('2.4.0')), live, incoming: pack('2.5.0') });
    expect(decision).toMatchObject({ kind: 'conflict', status: 409, code: 'rollout_in_progress' });
  });

  test('the live version with a changed rollout spec is 409 too', () => {
    const decision = decideApply({
      stored: stored('2.3.1', pack('2.4.0')),
      live,
      incoming: pack('2.4.0', { canaryWeight: 20 }),
    });
    expect(decision).toMatchObject({ status: 409, code: 'rollout_in_progress' });
  });

  test('the stable version while live is a fast rollback', () => {
    expect(decideApply({ stored: stored('2.3.1', pack('2.4.0')), live, incoming: pack('2.3.1') })).toEqual({
      kind: 'fast_rollback',
      status: 200,
      rolloutId: 'r1',
    });
  });

  test('after a rollback, the same spec again starts a new rollout (a retry)', () => {
    const decision = decideApply({
      stored: stored('2.3.1', pack('2.4.0')),
      live: null,
      incoming: pack('2.4.0'),
    });
    expect(decision.kind).toBe('start_rollout');
  });

  test('the stable version with another spec and no rollout updates the spec only', () => {
    const decision = decideApply({
      stored: stored('2.3.1', pack('2.3.1')),
      live: null,
      incoming: pack('2.3.1', { canaryWeight: 5 }),
    });
    expect(decision).toEqual({ kind: 'update', status: 200 });
  });

  test('the stable version with the same spec and no rollout is unchanged', () => {
    const decision = decideApply({
      stored: stored('2.3.1', pack('2.3.1')),
      live: null,
      incoming: pack('2.3.1'),
    });
    expect(decision).toEqual({ kind: 'unchanged', status: 200 });
  });

  test('the omnia apiVersion is a synonym: switching to it changes nothing', () => {
    const omnia = { ...pack('2.3.1'), apiVersion: 'omnia.altairalabs.ai/v1alpha1' as const };
    expect(decideApply({ stored: stored('2.3.1', pack('2.3.1')), live: null, incoming: omnia }).kind).toBe(
      'unchanged',
    );
  });
});

test('canonicalJson ignores key order and undefined fields', () => {
  expect(canonicalJson({ b: 1, a: { d: undefined, c: [2, { z: 1, y: 2 }] } })).toBe(
    '{"a":{"c":[2,{"y":2,"z":1}]},"b":1}',
  );
});
