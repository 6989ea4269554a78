import { describe, expect, it } from 'vitest';
import { parseRoute, rolloutHref } from './route.js';

describe('routes', () => {
  it('reads the overview and a rollout from the fragment', () => {
    expect(parseRoute('')).toEqual({ page: 'overview' });
    expect(parseRoute('#/')).toEqual({ page: 'overview' });
    expect(parseRoute('#/rollouts/r-123')).toEqual({ page: 'rollout', id: 'r-123' });
    expect(parseRoute('#/rollouts/r-123/')).toEqual({ page: 'rollout', id: 'r-123' });
    expect(parseRoute('#/rollouts/%E0%A4%A')).toEqual({ page: 'overview' });
    expect(parseRoute('#/elsewhere')).toEqual({ page: 'overview' });
  });

  it('round-trips an id through its link', () => {
    expect(parseRoute(rolloutHref('a b/c'))).toEqual({ page: 'rollout', id: 'a b/c' });
  });
});
