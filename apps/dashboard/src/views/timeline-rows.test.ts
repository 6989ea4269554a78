import type { TimelineEntry } from '@prompt-canary/api-types';
import { describe, expect, it } from 'vitest';
import { timelineRows } from './timeline-rows.js';
import { weightSeries } from './weight-series.js';

const T0 = Date.parse('2025-03-01T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const s = (minutes: number) => (T0 + minutes * 60_000) / 1000;

function entry(
  minutes: number,
  from: TimelineEntry['from'],
  to: TimelineEntry['to'],
  weight: number,
  reason: string,
) {
  return { at: at(minutes), from, to, weight, actor: 'oncall', reason };
}

describe("a rollout's timeline", () => {
  const timeline = [
    entry(0, null, 'Progressing', 10, 'rollout of 2.4.0 started'),
    entry(5, 'Progressing', 'Paused', 10, 'checking a customer report'),
    entry(25, 'Paused', 'Progressing', 10, 'report was unrelated'),
    entry(40, 'Progressing', 'RolledBack', 0, 'p99 over budget'),
  ];
  const plan = { segmentPhases: [], windows: [{ daily: '10:10-10:30', capWeight: 5 }] };
  const series = weightSeries(timeline, T0 + 60 * 60_000, plan);

  it('lists transitions and window changes oldest first, with who, why and the weight served', () => {
    const rows = timelineRows(timeline, series);
    expect(rows.map((r) => [r.t, r.change, r.served, r.movedFrom, r.actor, r.reason])).toEqual([
      [s(0), 'started', 10, null, 'oncall', 'rollout of 2.4.0 started'],
      [s(5), 'Progressing → Paused', 10, null, 'oncall', 'checking a customer report'],
      [s(10), 'window 10:10-10:30 UTC opened', 5, 10, 'schedule', 'serves cap 5% while open'],
      [s(25), 'Paused → Progressing', 5, null, 'oncall', 'report was unrelated'],
      [s(30), 'window 10:10-10:30 UTC closed', 10, null, 'schedule', 'back to the ramp’s weight'],
      [s(40), 'Progressing → RolledBack', 0, 10, 'oncall', 'p99 over budget'],
    ]);
  });

  it('leaves out the opening of a window already open at the start and the end of one still open', () => {
    const open = { segmentPhases: [], windows: [{ daily: '09:00-11:00', canaryWeight: 50 }] };
    const live = [timeline[0] as TimelineEntry];
    const rows = timelineRows(live, weightSeries(live, T0 + 30 * 60_000, open));
    expect(rows.map((r) => [r.change, r.served])).toEqual([['started', 50]]);
  });
});
