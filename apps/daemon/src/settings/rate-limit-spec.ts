/** A rate: at most `limit` requests per `periodMs`, with bursts of up to `limit`. */
export interface RateLimitSpec {
  limit: number;
  periodMs: number;
}

const PERIODS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  second: 1000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
};

/**
 * Parses a rate such as `1000/s`, `50/min` or `36000/h` (`off`, `0` or an empty string: no limit).
 *
 * @throws RangeError naming what is wrong, for anything else.
 * @example
 * parseRateLimit('1000/s'); // { limit: 1000, periodMs: 1000 }
 */
export function parseRateLimit(text: string | undefined): RateLimitSpec | undefined {
  const value = text?.trim().toLowerCase() ?? '';
  if (value === '' || value === 'off' || value === '0') return undefined;
  const match = /^(\d+)\s*\/\s*(\d*)\s*([a-z]+)$/.exec(value);
  const unit = match?.[3] === undefined ? undefined : PERIODS[match[3]];
  if (!match || unit === undefined) {
    throw new RangeError(`expected a rate like 1000/s, 50/min or 3600/h, got "${text}"`);
  }
  const limit = Number(match[1]);
  const periodMs = unit * (match[2] === '' ? 1 : Number(match[2]));
  if (!Number.isSafeInteger(limit) || limit < 1 || periodMs < 1) {
    throw new RangeError(`a rate needs a positive count and period, got "${text}"`);
  }
  return { limit, periodMs };
}
