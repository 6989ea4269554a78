import { describe, expect, it } from 'vitest';
import { armLabels, type StrategyFields, stageEndText, stageText, strategyText } from './strategy.js';

const nowMs = Date.parse('2025-01-31T10:03:00Z');
const base: StrategyFields = { phase: 'Progressing', weight: 30, step: 3, steps: 10, segment: null };

describe('a rollout in its strategy', () => {
  it('names the strategy, a canary when the daemon does not say', () => {
    expect(strategyText({ strategy: 'blueGreen' })).toBe('blue-green');
    expect(strategyText({})).toBe('canary');
  });

  it('reads each stage, and the segment or ramp from an older daemon', () => {
    const bg = { ...base, strategy: 'blueGreen' as const };
    expect(stageText({ ...bg, stage: 'preview', segment: 'internal_users', weight: 100 })).toBe(
      'preview internal_users (100%)',
    );
    expect(stageText({ ...bg, stage: 'preview', weight: 10 })).toBe('preview at 10%');
    expect(stageText({ ...bg, stage: 'rollbackWindow', weight: 100 })).toBe('rollback window');
    expect(stageText({ ...bg, stage: null, phase: 'Completed' })).toBe('switched');
    expect(stageText(base)).toBe('ramp step 3/10');
    expect(stageText({ ...base, segment: 'beta', weight: 5 })).toBe('segment beta (5%)');
  });

  it("counts down to the stage's end and gives the time, or says it is due", () => {
    const window = { ...base, strategy: 'blueGreen' as const, stage: 'rollbackWindow' as const };
    expect(stageEndText({ ...window, stageEndsAt: '2025-01-31T10:45:00Z' }, nowMs)).toBe(
      'ends in 42m (10:45 UTC)',
    );
    expect(stageEndText({ ...window, stage: 'preview', stageEndsAt: '2025-01-31T10:15:00Z' }, nowMs)).toBe(
      'switch in 12m (10:15 UTC)',
    );
    expect(stageEndText({ ...window, stageEndsAt: '2025-01-31T10:00:00Z' }, nowMs)).toBe(
      'ends due now (10:00 UTC)',
    );
    expect(stageEndText({ ...window, stageEndsAt: null }, nowMs)).toBeNull();
    expect(
      stageEndText({ ...window, phase: 'RolledBack', stageEndsAt: '2025-01-31T10:45:00Z' }, nowMs),
    ).toBeNull();
  });

  it('names the arms before and after the switch only in a rollback window', () => {
    expect(armLabels({ strategy: 'blueGreen', stage: 'rollbackWindow' })).toEqual({
      stable: 'before switch',
      canary: 'after switch',
    });
    expect(armLabels({ strategy: 'blueGreen', stage: 'preview' })).toEqual({
      stable: 'stable',
      canary: 'canary',
    });
    expect(armLabels({})).toEqual({ stable: 'stable', canary: 'canary' });
  });
});
