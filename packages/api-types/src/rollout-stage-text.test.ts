import { describe, expect, it } from 'vitest';
import {
  armLabels,
  type StrategyFields,
  stageEndText,
  stageText,
  strategyName,
  strategyOf,
  strategyText,
} from './rollout-stage-text.js';

const nowMs = Date.parse('2025-01-31T10:03:00Z');
const base: StrategyFields = { phase: 'Progressing', weight: 30, step: 3, steps: 10, segment: null };

describe('where a rollout is in its strategy', () => {
  it('says the rollback window of a blue-green switch with its end, relative and as a time', () => {
    const text = strategyText(
      {
        ...base,
        weight: 100,
        strategy: 'blueGreen',
        stage: 'rollbackWindow',
        stageEndsAt: '2025-01-31T10:45:00Z',
      },
      nowMs,
    );
    expect(text).toBe('blue-green · rollback window · ends in 42m (10:45 UTC)');
  });

  it('says the preview of a segment or a weight and when the switch comes', () => {
    const segment = { ...base, strategy: 'blueGreen' as const, stage: 'preview' as const, weight: 100 };
    expect(
      strategyText({ ...segment, segment: 'internal_users', stageEndsAt: '2025-01-31T10:15:00Z' }, nowMs),
    ).toBe('blue-green · preview internal_users (100%) · switch in 12m (10:15 UTC)');
    expect(strategyText({ ...segment, weight: 10, stageEndsAt: null }, nowMs)).toBe(
      'blue-green · preview at 10%',
    );
  });

  it('reads a canary ramp step, a segment phase and monitoring', () => {
    expect(strategyText({ ...base, strategy: 'canary', stage: 'ramp' }, nowMs)).toBe(
      'canary · ramp step 3/10 (30%)',
    );
    expect(stageText({ ...base, stage: 'segment', segment: 'beta', weight: 5 })).toBe('segment beta (5%)');
    expect(
      strategyText({ ...base, weight: 100, stage: 'monitor', stageEndsAt: '2025-01-31T11:03:00Z' }, nowMs),
    ).toBe('canary · monitoring at 100% · ends in 1h (11:03 UTC)');
  });

  it('treats a daemon without strategy fields as a canary and reads the stage from segment and step', () => {
    expect(strategyText(base, nowMs)).toBe('canary · ramp step 3/10 (30%)');
    expect(strategyText({ ...base, segment: 'beta', weight: 5 }, nowMs)).toBe('canary · segment beta (5%)');
    expect(strategyText({ ...base, phase: 'Completed' }, nowMs)).toBe('canary · ended');
  });

  it('says an ended switch ended, without a countdown, and a passed end is due', () => {
    const ended = {
      ...base,
      strategy: 'blueGreen' as const,
      stage: null,
      stageEndsAt: '2025-01-31T10:45:00Z',
    };
    expect(strategyText({ ...ended, phase: 'Completed' }, nowMs)).toBe('blue-green · switched');
    expect(strategyText({ ...ended, phase: 'RolledBack' }, nowMs)).toBe('blue-green · ended');
    expect(
      stageEndText(
        { ...ended, stage: 'rollbackWindow', phase: 'Progressing', stageEndsAt: 'not a time' },
        nowMs,
      ),
    ).toBeNull();
  });
});

describe('a rollout in its strategy', () => {
  it('names the strategy, a canary when the daemon does not say', () => {
    expect(strategyName(strategyOf({ strategy: 'blueGreen' }))).toBe('blue-green');
    expect(strategyName(strategyOf({}))).toBe('canary');
  });

  it('reads each stage, and the segment or ramp from an older daemon', () => {
    const bg = { ...base, strategy: 'blueGreen' as const };
    expect(stageText({ ...bg, stage: 'preview', segment: 'internal_users', weight: 100 })).toBe(
      'preview internal_users (100%)',
    );
    expect(stageText({ ...bg, stage: 'preview', weight: 10 })).toBe('preview at 10%');
    expect(stageText({ ...bg, stage: 'rollbackWindow', weight: 100 })).toBe('rollback window');
    expect(stageText({ ...bg, stage: null, phase: 'Completed' })).toBe('switched');
    expect(stageText(base)).toBe('ramp step 3/10 (30%)');
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
