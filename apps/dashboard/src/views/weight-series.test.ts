import type { TimelineEntry } from '@prompt-canary/api-types';
import { describe, expect, it } from 'vitest';
import { weightSeries } from './weight-series.js';

const T0 = Date.parse('2025-03-01T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const s = (minutes: number) => (T0 + minutes * 60_000) / 1000;

function entry(minutes: number, from: TimelineEntry['from'], to: TimelineEntry['to'], weight: number) {
  return { at: at(minutes), from, to, weight, actor: 'controller', reason: `${to} at ${weight}` };
}

describe('weight over time from the timeline', () => {
  it('holds each weight until the next transition and extends a live rollout to now', () => {
    const series = weightSeries(
      [
        entry(0, null, 'Progressing', 10),
        entry(5, 'Progressing', 'Progressing', 20),
        entry(10, 'Progressing', 'Progressing', 30),
      ],
      T0 + 12 * 60_000,
    );
    expect(series.xs).toEqual([s(0), s(5), s(10), s(12)]);
    expect(series.weights).toEqual([10, 20, 30, 30]);
    expect(series.steps.map((m) => m.t)).toEqual([s(5), s(10)]);
    expect(series.pauses).toEqual([]);
    expect(series.rollbacks).toEqual([]);
  });

  it('marks pauses as spans, an open pause up to now', () => {
    const series = weightSeries(
      [
        entry(0, null, 'Progressing', 10),
        entry(3, 'Progressing', 'Paused', 10),
        entry(6, 'Paused', 'Progressing', 10),
        entry(8, 'Progressing', 'Paused', 10),
      ],
      T0 + 10 * 60_000,
    );
    expect(series.pauses).toEqual([
      [s(3), s(6)],
      [s(8), s(10)],
    ]);
    expect(series.steps).toEqual([]);
  });

  it('marks a rollback with its reason and shows 0 from then on', () => {
    const series = weightSeries(
      [
        entry(0, null, 'Progressing', 10),
        entry(5, 'Progressing', 'Progressing', 20),
        { ...entry(7, 'Progressing', 'RolledBack', 0), actor: 'ops', reason: 'latency too high' },
      ],
      T0 + 60 * 60_000,
    );
    expect(series.xs).toEqual([s(0), s(5), s(7), s(60)]);
    expect(series.weights).toEqual([10, 20, 0, 0]);
    expect(series.rollbacks).toEqual([{ t: s(7), actor: 'ops', reason: 'latency too high' }]);
  });

  it('closes a pause at the rollback that ended it', () => {
    const series = weightSeries(
      [
        entry(0, null, 'Progressing', 10),
        entry(2, 'Progressing', 'Paused', 10),
        entry(4, 'Paused', 'RolledBack', 0),
      ],
      T0 + 60 * 60_000,
    );
    expect(series.pauses).toEqual([[s(2), s(4)]]);
  });

  it('sorts out-of-order entries and keeps the later of two in the same second', () => {
    const series = weightSeries(
      [
        entry(5, 'Progressing', 'Progressing', 20),
        entry(0, null, 'Progressing', 10),
        entry(5, 'Progressing', 'Progressing', 30),
      ],
      T0 + 5 * 60_000,
    );
    expect(series.xs).toEqual([s(0), s(5)]);
    expect(series.weights).toEqual([10, 30]);
  });

  it('is empty without a timeline', () => {
    expect(weightSeries([], T0)).toEqual({ xs: [], weights: [], pauses: [], steps: [], rollbacks: [] });
  });
});
