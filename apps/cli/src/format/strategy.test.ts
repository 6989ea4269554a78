import { describe, expect, it } from 'vitest';
import { formatStage, formatStageEnd, formatStrategy, type StrategyFields } from './strategy.js';

const nowMs = Date.parse('2025-01-31T10:03:00Z');
const base: StrategyFields = { phase: 'Progressing', weight: 30, step: 3, steps: 10, segment: null };

describe('where a rollout is in its strategy', () => {
  it('says the rollback window of a blue-green switch with its end, relative and as a time', () => {
    const text = formatStrategy(
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
      formatStrategy({ ...segment, segment: 'internal_users', stageEndsAt: '2025-01-31T10:15:00Z' }, nowMs),
    ).toBe('blue-green · preview internal_users (100%) · switch in 12m (10:15 UTC)');
    expect(formatStrategy({ ...segment, weight: 10, stageEndsAt: null }, nowMs)).toBe(
      'blue-green · preview at 10%',
    );
  });

  it('reads a canary ramp step, a segment phase and monitoring', () => {
    expect(formatStrategy({ ...base, strategy: 'canary', stage: 'ramp' }, nowMs)).toBe(
      'canary · ramp step 3/10 (30%)',
    );
    expect(formatStage({ ...base, stage: 'segment', segment: 'beta', weight: 5 })).toBe('segment beta (5%)');
    expect(
      formatStrategy({ ...base, weight: 100, stage: 'monitor', stageEndsAt: '2025-01-31T11:03:00Z' }, nowMs),
    ).toBe('canary · monitoring at 100% · ends in 1h (11:03 UTC)');
  });

  it('treats a daemon without strategy fields as a canary and reads the stage from segment and step', () => {
    expect(formatStrategy(base, nowMs)).toBe('canary · ramp step 3/10 (30%)');
    expect(formatStrategy({ ...base, segment: 'beta', weight: 5 }, nowMs)).toBe('canary · segment beta (5%)');
    expect(formatStrategy({ ...base, phase: 'Completed' }, nowMs)).toBe('canary · ended');
  });

  it('says an ended switch ended, without a countdown, and a passed end is due', () => {
    const ended = {
      ...base,
      strategy: 'blueGreen' as const,
      stage: null,
      stageEndsAt: '2025-01-31T10:45:00Z',
    };
    expect(formatStrategy({ ...ended, phase: 'Completed' }, nowMs)).toBe('blue-green · switched');
    expect(formatStrategy({ ...ended, phase: 'RolledBack' }, nowMs)).toBe('blue-green · ended');
    expect(formatStageEnd('2025-01-31T10:02:00Z', nowMs)).toBe('due now (10:02 UTC)');
    expect(formatStageEnd('not a time', nowMs)).toBe('');
  });
});
