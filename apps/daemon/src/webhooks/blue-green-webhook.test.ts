import { describe, expect, test } from 'vitest';
import { applyDecision } from '../controller/rollout-machine.js';
import { startedRollout } from '../rollouts/testing/rollout-fixtures.js';
import { webhookEventOf, webhookPayload } from './webhook-event.js';

const T0 = Date.UTC(2026, 0, 5, 12);

describe('webhooks of a blue-green switch', () => {
  test('the switch is announced as rollout.stepped, its text saying switched (blue-green)', () => {
    const rollout = startedRollout(
      { strategy: 'blueGreen', preview: { segment: 'internal_users', duration: '30m' } },
      T0,
      { internal_users: { plan: 'internal' } },
    );
    const result = applyDecision(
      rollout,
      { kind: 'step', reason: 'preview internal_users (100%) healthy for 30m' },
      T0 + 1_800_000,
    );
    if (result === null || !result.ok || result.entry === null) throw new Error('no step');
    const event = webhookEventOf(result.rollout, result.entry, 'rollout.step');
    expect(event).toBe('rollout.stepped');
    const payload = webhookPayload(result.rollout, result.entry, 'rollout.stepped');
    expect(payload.text).toBe(
      '*support-prompts* 2.3.1 → 2.4.0 (blue-green) switched at 100%: preview internal_users (100%) healthy for 30m → switched to 2.4.0 (blue-green), rollback window',
    );
  });

  test('a canary keeps its words', () => {
    const rollout = startedRollout({ canaryWeight: 10 }, T0);
    const result = applyDecision(
      rollout,
      { kind: 'step', reason: 'step 1 (10%) healthy for 5m' },
      T0 + 300_000,
    );
    if (result === null || !result.ok || result.entry === null) throw new Error('no step');
    expect(webhookPayload(result.rollout, result.entry, 'rollout.stepped').text).toBe(
      '*support-prompts* 2.3.1 → 2.4.0 stepped up at 20%: step 1 (10%) healthy for 5m → step 2 (20%)',
    );
  });
});
