import { describe, expect, it } from 'vitest';
import { durationText, formatDuration, parseDuration } from './duration.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['8s', 8 * SECOND],
    ['5m', 5 * MINUTE],
    ['4h', 4 * HOUR],
    ['2d', 2 * DAY],
    ['1.5h', 1.5 * HOUR],
    ['0.25s', 250],
    ['0s', 0],
    ['0', 0],
    ['  5m ', 5 * MINUTE],
    ['\t8s\n', 8 * SECOND],
  ])('reads %j as %d ms', (text, expected) => {
    expect(parseDuration(text)).toBe(expected);
  });

  it('rounds fractions of a millisecond to whole milliseconds', () => {
    expect(parseDuration('1.5ms')).toBe(2);
    expect(parseDuration('0.0001s')).toBe(0);
  });

  it.each([
    [''],
    ['   '],
    ['5'],
    ['300'],
    ['0.0'],
    ['-5m'],
    ['+5m'],
    ['5 m'],
    ['5 minutes'],
    ['1h30m'],
    ['4h 30m'],
    ['5w'],
    ['5M'],
    ['.5h'],
    ['5.m'],
    ['1e3ms'],
    ['Infinityh'],
    ['NaNs'],
    ['99999999999999999999d'],
  ])('reads %j as no duration', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [1, '1ms'],
    [500, '500ms'],
    [999.4, '999ms'],
    [999.6, '1s'],
    [8 * SECOND, '8s'],
    [90 * SECOND, '1m 30s'],
    [5 * MINUTE, '5m'],
    [4.5 * HOUR, '4h 30m'],
    [HOUR + 5 * MINUTE + 7 * SECOND, '1h 5m'],
    [HOUR + 30 * SECOND, '1h'],
    [2 * DAY + HOUR, '2d 1h'],
    [2 * DAY + 5 * MINUTE, '2d'],
    [50 * HOUR, '2d 2h'],
    [400 * DAY, '400d'],
  ])('writes %d ms as %j', (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });

  it('rounds to whole seconds once past a second', () => {
    expect(formatDuration(59_600)).toBe('1m');
    expect(formatDuration(8_400)).toBe('8s');
  });

  it('writes negative and non-finite durations as no time', () => {
    expect(formatDuration(-5 * SECOND)).toBe('0s');
    expect(formatDuration(Number.NaN)).toBe('0s');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('0s');
  });

  it('writes what parseDuration reads back whenever one part suffices', () => {
    for (const text of ['500ms', '8s', '5m', '4h', '2d', '59s', '23h']) {
      expect(formatDuration(parseDuration(text) ?? Number.NaN)).toBe(text);
    }
  });
});

describe('durationText', () => {
  it.each([
    [0, '0s'],
    [500, '500ms'],
    [1_500, '1500ms'],
    [8 * SECOND, '8s'],
    [90 * SECOND, '90s'],
    [5 * MINUTE, '5m'],
    [90 * MINUTE, '90m'],
    [4 * HOUR, '4h'],
    [36 * HOUR, '36h'],
    [2 * DAY, '2d'],
    [-5 * SECOND, '-5s'],
    [2.4, '2ms'],
  ])('writes %d ms as %j', (ms, expected) => {
    expect(durationText(ms)).toBe(expected);
  });

  it('is read back by parseDuration to the same milliseconds', () => {
    // A seeded walk over magnitudes from milliseconds to years, plus every multiple of each unit's edge.
    let seed = 0x2545f491;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const samples = [0, 1, 999, 1_000, 59_999, 60_000, HOUR - 1, HOUR, DAY - 1, DAY, 365 * DAY];
    for (let i = 0; i < 2_000; i++) {
      const size = [1, SECOND, MINUTE, HOUR, DAY][i % 5] ?? 1;
      samples.push(Math.floor(next() * 1_000) * size, Math.floor(next() * 10 ** (1 + (i % 12))));
    }
    for (const ms of samples) expect(parseDuration(durationText(ms))).toBe(ms);
  });

  it('reads back the duration a person wrote in one unit as the same text', () => {
    for (const text of ['500ms', '8s', '90s', '5m', '90m', '4h', '36h', '2d']) {
      expect(durationText(parseDuration(text) ?? Number.NaN)).toBe(text);
    }
  });
});
