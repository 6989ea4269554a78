import { describe, expect, test } from 'vitest';
import { compileTimeWindow, parseDailyWindow, windowMatches } from './time-window.js';

/** 2025-06-06 is a Friday. */
const at = (day: number, hour: number, minute = 0, second = 0) =>
  Date.UTC(2025, 5, day, hour, minute, second);
const FRI = 6;
const SAT = 7;
const SUN = 8;

describe('parseDailyWindow', () => {
  test('reads HH:MM-HH:MM into minutes since midnight', () => {
    expect(parseDailyWindow('22:00-02:00')).toEqual({ startMinute: 1320, endMinute: 120 });
    expect(parseDailyWindow('06:30-18:45')).toEqual({ startMinute: 390, endMinute: 1125 });
  });

  test('accepts the trailing " UTC" that PromptPacks write', () => {
    expect(parseDailyWindow('02:00-06:00 UTC')).toEqual({ startMinute: 120, endMinute: 360 });
  });

  test.each([
    ['9:00-10:00', /not a daily window/],
    ['25:00-02:00', /start hour 25 is out of range/],
    ['12:60-13:00', /start minute 60 is out of range/],
    ['10:00-24:00', /end hour 24 is out of range/],
    ['10:00-10:00', /nonsense window/],
    ['10:00-11:00 CET', /not a daily window/],
  ])('rejects %j', (text, message) => {
    expect(() => parseDailyWindow(text)).toThrow(message);
  });
});

describe('daily windows', () => {
  const night = compileTimeWindow({ daily: '22:00-02:00' });

  test.each([
    ['23:59', at(FRI, 23, 59)],
    ['00:00', at(SAT, 0, 0)],
    ['01:59', at(SAT, 1, 59)],
    ['22:00 (start is inclusive)', at(FRI, 22, 0)],
  ])('a window wrapping midnight is open at %s', (_label, now) => {
    expect(night.matches(now)).toBe(true);
  });

  test.each([
    ['02:00 (end is exclusive)', at(SAT, 2, 0)],
    ['21:59', at(FRI, 21, 59)],
    ['12:00', at(FRI, 12, 0)],
  ])('a window wrapping midnight is closed at %s', (_label, now) => {
    expect(night.matches(now)).toBe(false);
  });

  test('a window within one day is open from start (inclusive) to end (exclusive)', () => {
    const office = compileTimeWindow({ daily: '09:00-17:00' });
    expect(office.matches(at(FRI, 8, 59, 59))).toBe(false);
    expect(office.matches(at(FRI, 9, 0))).toBe(true);
    expect(office.matches(at(FRI, 16, 59, 59))).toBe(true);
    expect(office.matches(at(FRI, 17, 0))).toBe(false);
  });

  test('a window ending at 00:00 runs to midnight', () => {
    const evening = compileTimeWindow({ daily: '18:00-00:00' });
    expect(evening.matches(at(FRI, 23, 59, 59))).toBe(true);
    expect(evening.matches(at(SAT, 0, 0))).toBe(false);
  });

  test('uses UTC whatever the offset the reader has in mind', () => {
    expect(windowMatches({ daily: '22:00-02:00' }, Date.parse('2025-06-06T23:30:00+02:00'))).toBe(false);
    expect(windowMatches({ daily: '22:00-02:00' }, Date.parse('2025-06-06T23:30:00-02:00'))).toBe(true);
  });
});

describe('days', () => {
  test('a Friday-night window is still open early on Saturday, because it started on Friday', () => {
    const fridayNight = compileTimeWindow({ daily: '22:00-02:00', days: ['fri'] });
    expect(fridayNight.matches(at(FRI, 23, 0))).toBe(true);
    expect(fridayNight.matches(at(SAT, 1, 0))).toBe(true);
    expect(fridayNight.matches(at(SAT, 23, 0))).toBe(false);
    expect(fridayNight.matches(at(SUN, 1, 0))).toBe(false);
  });

  test('a Saturday-only wrapping window is closed early on Saturday (that night started on Friday)', () => {
    const saturdayNight = compileTimeWindow({ daily: '22:00-02:00', days: ['sat'] });
    expect(saturdayNight.matches(at(SAT, 1, 0))).toBe(false);
    expect(saturdayNight.matches(at(SAT, 22, 0))).toBe(true);
    expect(saturdayNight.matches(at(SUN, 1, 59))).toBe(true);
  });

  test('without a daily part, days are whole UTC days', () => {
    const weekend = compileTimeWindow({ days: ['sat', 'sun'] });
    expect(weekend.matches(at(FRI, 23, 59, 59))).toBe(false);
    expect(weekend.matches(at(SAT, 0, 0))).toBe(true);
    expect(weekend.matches(at(SUN, 23, 59, 59))).toBe(true);
    expect(weekend.matches(at(SUN + 1, 0, 0))).toBe(false);
  });

  test('knows the weekday of dates before the epoch', () => {
    // 1969-12-31 was a Wednesday.
    expect(windowMatches({ days: ['wed'] }, Date.UTC(1969, 11, 31, 12))).toBe(true);
    expect(windowMatches({ days: ['thu'] }, Date.UTC(1969, 11, 31, 12))).toBe(false);
  });
});

describe('from and until', () => {
  const launch = compileTimeWindow({ from: '2025-06-06T09:00:00Z', until: '2025-06-07T09:00:00+02:00' });

  test('from is inclusive', () => {
    expect(launch.matches(at(FRI, 8, 59, 59))).toBe(false);
    expect(launch.matches(at(FRI, 9, 0))).toBe(true);
  });

  test('until is exclusive and honours its offset', () => {
    expect(launch.matches(at(SAT, 6, 59, 59))).toBe(true);
    expect(launch.matches(at(SAT, 7, 0))).toBe(false);
  });

  test('all parts must hold together', () => {
    const window = compileTimeWindow({ daily: '22:00-02:00', days: ['fri'], from: '2025-06-13T00:00:00Z' });
    expect(window.matches(at(FRI, 23, 0))).toBe(false);
    expect(window.matches(at(FRI + 7, 23, 0))).toBe(true);
  });
});
