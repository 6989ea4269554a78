/**
 * The units a PromptPack is written in: weights (`10`, `"10%"`), rates (`90%`, `0.9`), durations (`500ms`, `8s`,
 * `5m`, `4h`, `2d`) and latencies (`3000ms`, `3s`). Each parser returns a value or a sentence saying what is wrong,
 * so the schema can report it at the field's path.
 */

import { parseDuration as parseDurationText } from '@prompt-canary/api-types';

/** A parsed value, or the reason it could not be parsed. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

const NUMBER_PATTERN = /^-?\d+(?:\.\d+)?$/;
const PERCENT_PATTERN = /^(-?\d+(?:\.\d+)?)\s*%$/;

function hasAtMostTwoDecimals(value: number): boolean {
  return Math.abs(value * 100 - Math.round(value * 100)) < 1e-9;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : (JSON.stringify(value) ?? String(value));
}

/**
 * Parses a traffic weight: a number or a `"10%"` string, 0–100, at most two decimals (bucketing has 0.01%
 * resolution). `"10"` is accepted as well, as YAML users quote numbers freely.
 *
 * @example
 * parseWeight('12.5%'); // { ok: true, value: 12.5 }
 */
export function parseWeight(input: unknown): Parsed<number> {
  let value: number | undefined;
  if (typeof input === 'number') value = input;
  else if (typeof input === 'string') {
    const text = input.trim();
    const percent = PERCENT_PATTERN.exec(text);
    if (percent) value = Number(percent[1]);
    else if (NUMBER_PATTERN.test(text)) value = Number(text);
  }
  if (value === undefined || !Number.isFinite(value)) {
    return { ok: false, problem: `expected a weight such as 10 or "10%", got ${describe(input)}` };
  }
  if (value < 0 || value > 100)
    return { ok: false, problem: `a weight is between 0 and 100, got ${describe(input)}` };
  if (!hasAtMostTwoDecimals(value)) {
    return {
      ok: false,
      problem: `a weight has at most two decimals (0.01% resolution), got ${describe(input)}`,
    };
  }
  return { ok: true, value: Math.round(value * 100) / 100 };
}

/**
 * Parses a rate: `"90%"` or a fraction `0.9`, returned as a fraction between 0 and 1.
 *
 * @example
 * parseRate('90%'); // { ok: true, value: 0.9 }
 */
export function parseRate(input: unknown): Parsed<number> {
  let value: number | undefined;
  if (typeof input === 'number') value = input;
  else if (typeof input === 'string') {
    const text = input.trim();
    const percent = PERCENT_PATTERN.exec(text);
    if (percent) value = Number(percent[1]) / 100;
    else if (NUMBER_PATTERN.test(text)) value = Number(text);
  }
  if (value === undefined || !Number.isFinite(value)) {
    return { ok: false, problem: `expected a rate such as "90%" or 0.9, got ${describe(input)}` };
  }
  if (value < 0 || value > 1) {
    return {
      ok: false,
      problem: `a rate is a fraction from 0 to 1 or a percentage from 0% to 100%, got ${describe(input)}`,
    };
  }
  // Percentages divided by 100 pick up binary noise (0.07 → 0.07000000000000001); ten digits are plenty.
  return { ok: true, value: Math.round(value * 1e10) / 1e10 };
}

/**
 * A tolerance against stable: a fraction of stable's value (`20%`), absolute points of a rate (`2pt`), or an amount
 * in the metric's own unit (a bare number: ms, tokens, cost, a fraction for rates).
 */
export interface Tolerance {
  readonly value: number;
  readonly unit: 'relative' | 'points' | 'absolute';
}

const POINTS_PATTERN = /^(\d+(?:\.\d+)?)\s*pts?$/;
const NON_NEGATIVE_PERCENT = /^(\d+(?:\.\d+)?)\s*%$/;

/**
 * Parses a tolerance (`maxIncrease`, `maxDecrease`): `20%` is relative to stable's value (it may exceed 100%:
 * `200%` allows tripling); `2pt` is two absolute points of a rate (0.02 as a fraction); a bare number is an amount
 * in the metric's own unit (`200` on a latency is +200 ms, `0.02` on a rate is 2 points). The metric decides what
 * the unit is, so its schema checks the range (a rate's fraction is at most 1).
 *
 * @example
 * parseTolerance('20%'); // { ok: true, value: { value: 0.2, unit: 'relative' } }
 * parseTolerance('2pt'); // { ok: true, value: { value: 0.02, unit: 'points' } }
 * parseTolerance(200); // { ok: true, value: { value: 200, unit: 'absolute' } }
 */
export function parseTolerance(input: unknown): Parsed<Tolerance> {
  if (typeof input === 'string') {
    const text = input.trim();
    const percent = NON_NEGATIVE_PERCENT.exec(text);
    if (percent) return { ok: true, value: { value: round(Number(percent[1]) / 100), unit: 'relative' } };
    const points = POINTS_PATTERN.exec(text);
    if (points) {
      const value = Number(points[1]);
      if (value > 100)
        return { ok: false, problem: `a rate moves by at most 100 points, got ${describe(input)}` };
      return { ok: true, value: { value: round(value / 100), unit: 'points' } };
    }
  }
  if (typeof input === 'number' || (typeof input === 'string' && NUMBER_PATTERN.test(input.trim()))) {
    const value = Number(input);
    if (!Number.isFinite(value) || value < 0) {
      return { ok: false, problem: `a tolerance is not negative, got ${describe(input)}` };
    }
    return { ok: true, value: { value, unit: 'absolute' } };
  }
  return {
    ok: false,
    problem: `expected a tolerance such as "20%" (relative to stable), "2pt" (points of a rate) or a number in the metric's unit, got ${describe(input)}`,
  };
}

// Percentages divided by 100 pick up binary noise (0.07 → 0.07000000000000001); ten digits are plenty.
function round(value: number): number {
  return Math.round(value * 1e10) / 1e10;
}

/**
 * Parses a duration written with one unit (`500ms`, `8s`, `5m`, `4h`, `2d`) into milliseconds, as the shared
 * `parseDuration` of `@prompt-canary/api-types` reads it. A bare `0` (number or string) is accepted for "no time".
 *
 * @example
 * parseDuration('5m'); // { ok: true, value: 300000 }
 */
export function parseDuration(input: unknown): Parsed<number> {
  const value = input === 0 ? 0 : typeof input === 'string' ? parseDurationText(input) : undefined;
  if (value === undefined) {
    return {
      ok: false,
      problem: `expected a duration such as 500ms, 8s, 5m, 4h or 2d, got ${describe(input)}`,
    };
  }
  return { ok: true, value };
}

/**
 * Parses a latency threshold into milliseconds: `3000ms`, `3s`, or a bare number of milliseconds. Minutes and
 * longer units are accepted too, as durations.
 */
export function parseLatency(input: unknown): Parsed<number> {
  if (typeof input === 'number' && Number.isFinite(input) && input >= 0) return { ok: true, value: input };
  if (typeof input === 'string' && NUMBER_PATTERN.test(input.trim()) && Number(input) >= 0) {
    return { ok: true, value: Number(input) };
  }
  const duration = parseDuration(input);
  if (!duration.ok) {
    return { ok: false, problem: `expected a latency such as 3000ms or 3s, got ${describe(input)}` };
  }
  return duration;
}
