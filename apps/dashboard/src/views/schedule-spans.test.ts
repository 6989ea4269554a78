import { describe, expect, it } from 'vitest';
import { openSpans, windowEffectText } from './schedule-spans.js';

const utc = (iso: string) => Date.parse(iso);

describe('the spans a schedule window is open', () => {
  it('cuts a daily window out of each day of the range', () => {
    const spans = openSpans(
      { daily: '02:00-06:00', canaryWeight: 50 },
      utc('2026-12-01T00:00:00Z'),
      utc('2026-12-02T12:00:00Z'),
    );
    expect(spans).toEqual([
      [utc('2026-12-01T02:00:00Z'), utc('2026-12-01T06:00:00Z')],
      [utc('2026-12-02T02:00:00Z'), utc('2026-12-02T06:00:00Z')],
    ]);
  });

  it('merges a window wrapping midnight into one span, and clips to the range', () => {
    const spans = openSpans(
      { daily: '18:00-02:00 UTC', capWeight: 30 },
      utc('2026-12-01T20:00:00Z'),
      utc('2026-12-02T20:00:00Z'),
    );
    expect(spans).toEqual([
      [utc('2026-12-01T20:00:00Z'), utc('2026-12-02T02:00:00Z')],
      [utc('2026-12-02T18:00:00Z'), utc('2026-12-02T20:00:00Z')],
    ]);
  });

  it('honours days (the day a window opened) and from/until to the second', () => {
    // 2026-12-04 is a Friday.
    const friday = openSpans(
      { daily: '22:00-02:00', days: ['fri'], canaryWeight: 5 },
      utc('2026-12-03T00:00:00Z'),
      utc('2026-12-06T00:00:00Z'),
    );
    expect(friday).toEqual([[utc('2026-12-04T22:00:00Z'), utc('2026-12-05T02:00:00Z')]]);
    const bounded = openSpans(
      { daily: '00:00-23:00', from: '2026-12-01T10:00:05Z', until: '2026-12-01T10:00:09Z', canaryWeight: 50 },
      utc('2026-12-01T10:00:00Z'),
      utc('2026-12-01T10:01:00Z'),
    );
    expect(bounded).toEqual([[utc('2026-12-01T10:00:05Z'), utc('2026-12-01T10:00:09Z')]]);
  });

  it('is empty for an empty range or an unreadable window', () => {
    expect(openSpans({ daily: '02:00-06:00' }, 10, 10)).toEqual([]);
    expect(openSpans({ daily: 'soon' }, 0, 86_400_000)).toEqual([]);
  });

  it('says what a window does while open', () => {
    expect(windowEffectText({ canaryWeight: 50 })).toBe('50%');
    expect(windowEffectText({ capWeight: 30 })).toBe('cap 30%');
  });
});
