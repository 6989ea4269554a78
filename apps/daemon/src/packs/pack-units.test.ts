import { describe, expect, test } from 'vitest';
import { parseDuration, parseLatency, parseRate, parseTolerance, parseWeight } from './pack-units.js';

describe('parseWeight', () => {
  test.each([
    [10, 10],
    ['10%', 10],
    ['10', 10],
    ['0.5%', 0.5],
    [12.34, 12.34],
    ['100%', 100],
    [0, 0],
  ])('reads %j as %j percent', (input, expected) => {
    expect(parseWeight(input)).toEqual({ ok: true, value: expected });
  });

  test.each([
    [101, 'between 0 and 100'],
    ['-1%', 'between 0 and 100'],
    ['10.001%', 'at most two decimals'],
    [0.125, 'at most two decimals'],
    ['ten', 'expected a weight'],
    [true, 'expected a weight'],
  ])('rejects %j, saying %j', (input, message) => {
    const parsed = parseWeight(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).toContain(message);
  });
});

describe('parseRate', () => {
  test.each([
    ['90%', 0.9],
    [0.9, 0.9],
    ['0.95', 0.95],
    ['7%', 0.07],
    ['100%', 1],
  ])('reads %j as the fraction %j', (input, expected) => {
    expect(parseRate(input)).toEqual({ ok: true, value: expected });
  });

  test.each([[90], ['150%'], ['ninety']])('rejects %j', (input) => {
    expect(parseRate(input).ok).toBe(false);
  });
});

describe('parseTolerance', () => {
  test('reads 20% as relative to stable, allowing more than 100%', () => {
    expect(parseTolerance('20%')).toEqual({ ok: true, value: { value: 0.2, unit: 'relative' } });
    expect(parseTolerance('200%')).toEqual({ ok: true, value: { value: 2, unit: 'relative' } });
  });

  test('reads 2pt as two absolute points of a rate', () => {
    expect(parseTolerance('2pt')).toEqual({ ok: true, value: { value: 0.02, unit: 'points' } });
    expect(parseTolerance('0.5 pt')).toEqual({ ok: true, value: { value: 0.005, unit: 'points' } });
  });

  test.each([
    [0.02, 0.02],
    ['0.5', 0.5],
    [200, 200],
  ])("reads the bare number %j as an amount in the metric's own unit", (input, value) => {
    expect(parseTolerance(input)).toEqual({ ok: true, value: { value, unit: 'absolute' } });
  });

  test.each([['-5%'], ['150pt'], ['lots'], [-3], ['-0.5']])('rejects %j', (input) => {
    expect(parseTolerance(input).ok).toBe(false);
  });
});

describe('parseDuration', () => {
  test.each([
    ['500ms', 500],
    ['8s', 8_000],
    ['5m', 300_000],
    ['4h', 14_400_000],
    ['2d', 172_800_000],
    ['1.5h', 5_400_000],
    ['0s', 0],
    [0, 0],
  ])('reads %j as %j ms', (input, expected) => {
    expect(parseDuration(input)).toEqual({ ok: true, value: expected });
  });

  test.each([['5'], [300], ['5 minutes'], ['1h30m'], ['-5m'], ['5w']])('rejects %j', (input) => {
    const parsed = parseDuration(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).toContain('500ms, 8s, 5m, 4h or 2d');
  });
});

describe('parseLatency', () => {
  test.each([
    ['3000ms', 3000],
    ['3s', 3000],
    [250, 250],
    ['250', 250],
  ])('reads %j as %j ms', (input, expected) => {
    expect(parseLatency(input)).toEqual({ ok: true, value: expected });
  });

  test('rejects a percentage', () => {
    expect(parseLatency('90%').ok).toBe(false);
  });
});
