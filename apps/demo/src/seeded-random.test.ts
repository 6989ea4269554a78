import { describe, expect, it } from 'vitest';
import { SeededRandom } from './seeded-random.js';

describe('SeededRandom', () => {
  it('replays the same sequence for the same seed and another for another seed', () => {
    const draw = (seed: number) => {
      const r = new SeededRandom(seed);
      return Array.from({ length: 5 }, () => r.next());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    for (const x of draw(7)) expect(x >= 0 && x < 1).toBe(true);
  });

  it('draws log-normal values with the requested median and 99th percentile', () => {
    const r = new SeededRandom(1);
    const xs = Array.from({ length: 20_000 }, () => r.logNormal(1000, 1900)).sort((a, b) => a - b);
    expect(xs[10_000]).toBeGreaterThan(970);
    expect(xs[10_000]).toBeLessThan(1030);
    expect(xs[19_800]).toBeGreaterThan(1800);
    expect(xs[19_800]).toBeLessThan(2000);
  });

  it('forks independent streams that are still reproducible', () => {
    const a = new SeededRandom(9).fork();
    const b = new SeededRandom(9).fork();
    expect(a.next()).toBe(b.next());
    const parent = new SeededRandom(9);
    expect(parent.fork().next()).not.toBe(parent.fork().next());
  });
});
