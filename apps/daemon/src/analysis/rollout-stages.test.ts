import { describe, expect, it } from 'vitest';
import { startedRollout } from '../rollouts/testing/rollout-fixtures.js';
import { poolPosition } from './rollout-stages.js';

describe('poolPosition', () => {
  const rollout = startedRollout({
    steps: [{ weight: 10 }, { weight: 30 }, { weight: 50 }, { weight: 70 }, { weight: 90 }, { weight: 100 }],
  });

  it('counts one pool for the steps up to 50% and one per step above it, below 100%', () => {
    expect(poolPosition(rollout, { key: 'ramp', scope: 'split', fromMs: 0 })).toEqual({ pools: 3, index: 0 });
    expect(poolPosition(rollout, { key: 'step:3', scope: 'split', fromMs: 0 })).toEqual({
      pools: 3,
      index: 1,
    });
    expect(poolPosition(rollout, { key: 'step:4', scope: 'split', fromMs: 0 })).toEqual({
      pools: 3,
      index: 2,
    });
  });

  it('puts segment phases that do not serve everyone first', () => {
    const segmented = startedRollout(
      {
        segments: [
          { name: 'internal', match: { plan: 'internal' }, weight: '100%', duration: '1h' },
          { name: 'beta', match: { beta: true }, weight: '50%', duration: '1h' },
          { name: 'all', weight: 'progressive' },
        ],
        steps: [{ weight: 10 }, { weight: 80 }, { weight: 100 }],
      },
      undefined,
    );
    expect(poolPosition(segmented, { key: 'segment:1', scope: 'targeting', fromMs: 0 })).toEqual({
      pools: 3,
      index: 0,
    });
    expect(poolPosition(segmented, { key: 'ramp', scope: 'split', fromMs: 0 })).toEqual({
      pools: 3,
      index: 1,
    });
    expect(poolPosition(segmented, { key: 'step:1', scope: 'split', fromMs: 0 })).toEqual({
      pools: 3,
      index: 2,
    });
  });
});
