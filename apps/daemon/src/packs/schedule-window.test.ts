import { describe, expect, test } from 'vitest';
import { isWindowOpen, parseDailyMinutes, windowsOverlap } from './schedule-window.js';

const at = (day: number, hour: number, minute = 0) => Date.UTC(2026, 0, day, hour, minute);
// 2026-01-05 is a Monday.

describe('isWindowOpen', () => {
  test('start is inclusive and end exclusive', () => {
    expect(isWindowOpen({ daily: '02:00-06:00' }, at(5, 2))).toBe(true);
    expect(isWindowOpen({ daily: '02:00-06:00' }, at(5, 5, 59))).toBe(true);
    expect(isWindowOpen({ daily: '02:00-06:00' }, at(5, 6))).toBe(false);
    expect(isWindowOpen({ daily: '02:00-06:00' }, at(5, 1, 59))).toBe(false);
  });

  test('a window wrapping midnight is open on both sides of it', () => {
    expect(isWindowOpen({ daily: '18:00-02:00' }, at(5, 23, 30))).toBe(true);
    expect(isWindowOpen({ daily: '18:00-02:00' }, at(6, 1, 30))).toBe(true);
    expect(isWindowOpen({ daily: '18:00-02:00' }, at(6, 2))).toBe(false);
  });

  test('for a wrapping window, days name the day it opened', () => {
    // Saturday 01:00 belongs to Friday's window.
    expect(isWindowOpen({ daily: '22:00-02:00', days: ['fri'] }, at(10, 1))).toBe(true);
    expect(isWindowOpen({ daily: '22:00-02:00', days: ['sat'] }, at(10, 1))).toBe(false);
  });

  test('from is inclusive and until exclusive', () => {
    const window = { daily: '00:00-12:00', from: '2026-01-05T03:00:00Z', until: '2026-01-05T04:00:00Z' };
    expect(isWindowOpen(window, at(5, 2))).toBe(false);
    expect(isWindowOpen(window, at(5, 3))).toBe(true);
    expect(isWindowOpen(window, at(5, 4))).toBe(false);
  });
});

describe('windowsOverlap', () => {
  test('adjacent windows do not overlap', () => {
    expect(windowsOverlap({ daily: '02:00-06:00' }, { daily: '06:00-18:00' })).toBe(false);
    expect(windowsOverlap({ daily: '18:00-02:00' }, { daily: '02:00-06:00' })).toBe(false);
  });

  test('a wrapping window overlaps one just after midnight', () => {
    expect(windowsOverlap({ daily: '22:00-02:00' }, { daily: '01:00-03:00' })).toBe(true);
  });

  test('windows on different days do not overlap, unless one wraps into the other day', () => {
    expect(
      windowsOverlap({ daily: '10:00-12:00', days: ['mon'] }, { daily: '10:00-12:00', days: ['tue'] }),
    ).toBe(false);
    expect(
      windowsOverlap({ daily: '22:00-02:00', days: ['mon'] }, { daily: '01:00-03:00', days: ['tue'] }),
    ).toBe(true);
    expect(
      windowsOverlap({ daily: '22:00-02:00', days: ['sun'] }, { daily: '01:00-03:00', days: ['mon'] }),
    ).toBe(true);
    expect(
      windowsOverlap({ daily: '22:00-02:00', days: ['sat'] }, { daily: '01:00-03:00', days: ['sun'] }),
    ).toBe(true);
  });

  test('windows with disjoint from/until ranges do not overlap', () => {
    expect(
      windowsOverlap(
        { daily: '10:00-12:00', until: '2026-02-01T00:00:00Z' },
        { daily: '10:00-12:00', from: '2026-02-01T00:00:00Z' },
      ),
    ).toBe(false);
  });
});

test('parseDailyMinutes accepts the UTC suffix and rejects other zones', () => {
  expect(parseDailyMinutes('18:00-02:00 UTC')).toEqual({
    ok: true,
    value: { startMinute: 1080, endMinute: 120 },
  });
  expect(parseDailyMinutes('18:00-02:00 CET').ok).toBe(false);
});
