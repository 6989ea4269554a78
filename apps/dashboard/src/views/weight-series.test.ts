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
    expect(weightSeries([], T0)).toEqual({
      xs: [],
      weights: [],
      effective: [],
      pauses: [],
      steps: [],
      rollbacks: [],
      windows: [],
      moves: [],
    });
  });
});

describe('schedule windows and session moves on the weight chart', () => {
  const noSegments = { segmentPhases: [] };

  it("serves a window's weight while it is open and marks its closing as a session move", () => {
    // T0 is 10:00 UTC: the window is open from the start until 10:30.
    const plan = { ...noSegments, windows: [{ daily: '09:00-10:30', canaryWeight: 50 }] };
    const series = weightSeries([entry(0, null, 'Progressing', 10)], T0 + 60 * 60_000, plan);
    expect(series.xs).toEqual([s(0), s(30), s(60)]);
    expect(series.weights).toEqual([10, 10, 10]);
    expect(series.effective).toEqual([50, 10, 10]);
    expect(series.windows).toEqual([
      { from: s(0), to: s(30), daily: '09:00-10:30', effect: '50%', opened: false, closed: true },
    ]);
    expect(series.moves).toEqual([{ t: s(30), from: 50, to: 10, cause: 'window 09:00-10:30 closed' }]);
  });

  it('caps the ramp inside a cap window, and a cap that lowers the weight moves sessions when it opens', () => {
    const plan = { ...noSegments, windows: [{ daily: '10:20-10:40', capWeight: 15 }] };
    const series = weightSeries(
      [entry(0, null, 'Progressing', 10), entry(10, 'Progressing', 'Progressing', 30)],
      T0 + 60 * 60_000,
      plan,
    );
    expect(series.xs).toEqual([s(0), s(10), s(20), s(40), s(60)]);
    expect(series.effective).toEqual([10, 30, 15, 30, 30]);
    expect(series.moves).toEqual([
      { t: s(20), from: 30, to: 15, cause: 'window 10:20-10:40 opened (cap 15%)' },
    ]);
  });

  it('keeps windows out of segment phases and past the end of the rollout', () => {
    const plan = {
      segmentPhases: [{ name: 'internal', weight: 100, durationMs: 600_000 }],
      windows: [{ daily: '09:00-11:00', canaryWeight: 5 }],
    };
    const series = weightSeries(
      [
        entry(0, null, 'Progressing', 100),
        { ...entry(10, 'Progressing', 'Progressing', 10), reason: 'segment phases done: step 1 (10%)' },
        { ...entry(20, 'Progressing', 'RolledBack', 0), reason: 'latency_p99 failed twice' },
      ],
      T0 + 60 * 60_000,
      plan,
    );
    expect(series.effective).toEqual([100, 5, 0, 0]);
    expect(series.windows).toEqual([
      { from: s(0), to: s(20), daily: '09:00-11:00', effect: '5%', opened: false, closed: false },
    ]);
    expect(series.moves).toEqual([
      { t: s(10), from: 100, to: 5, cause: 'segment phases done: step 1 (10%)' },
      { t: s(20), from: 5, to: 0, cause: 'rolled back: latency_p99 failed twice' },
    ]);
  });

  it('keeps serving a window while paused: pausing freezes the ramp, not the windows', () => {
    const plan = { ...noSegments, windows: [{ daily: '10:10-10:20', canaryWeight: 40 }] };
    const series = weightSeries(
      [entry(0, null, 'Progressing', 10), entry(5, 'Progressing', 'Paused', 10)],
      T0 + 30 * 60_000,
      plan,
    );
    expect(series.effective).toEqual([10, 10, 40, 10, 10]);
    expect(series.moves.map((m) => m.cause)).toEqual(['window 10:10-10:20 closed']);
  });
});
