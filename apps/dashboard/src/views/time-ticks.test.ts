import { describe, expect, it } from 'vitest';
import { clockText, timeTickLabels } from './time-ticks.js';

/** Seconds since the epoch of a local time (the labels are in the viewer's zone, whichever it is). */
const local = (day: number, h: number, m: number, s = 0) => new Date(2026, 11, day, h, m, s).getTime() / 1000;

describe('time axis labels', () => {
  it('read HH:MM:SS when ticks are seconds apart, never fractions of a second', () => {
    const t = local(2, 3, 56, 0);
    expect(timeTickLabels([t, t + 15, t + 30], 15)).toEqual(['03:56:00', '03:56:15', '03:56:30']);
  });

  it('read HH:MM when ticks are minutes or hours apart', () => {
    const t = local(2, 9, 0);
    expect(timeTickLabels([t, t + 600, t + 1200], 600)).toEqual(['09:00', '09:10', '09:20']);
    expect(timeTickLabels([t, t + 7200], 7200)).toEqual(['09:00', '11:00']);
  });

  it('put the date before the first tick and the first tick of each new day when the span crosses midnight', () => {
    const t = local(2, 22, 0);
    expect(timeTickLabels([t, t + 7200, t + 14_400], 7200)).toEqual(['Dec 2 22:00', 'Dec 3 00:00', '02:00']);
  });

  it('read as dates when ticks are days apart', () => {
    expect(timeTickLabels([local(2, 0, 0), local(3, 0, 0)], 86_400)).toEqual(['Dec 2', 'Dec 3']);
  });

  it('pads the clock to two digits', () => {
    expect(clockText(local(2, 4, 5, 6) * 1000, true)).toBe('04:05:06');
    expect(clockText(local(2, 4, 5, 6) * 1000, false)).toBe('04:05');
  });
});
