import { describe, expect, it } from 'vitest';
import { analysis, analysisWithoutUnits } from '../testing/analysis-fixture.js';
import {
  checkEvidenceText,
  formatArmCounts,
  requestsText,
  srmFiguresText,
  unitsText,
  type WindowedCheck,
  windowLengthText,
  windowRangeText,
} from './samples.js';

const [limit, comparison] = analysis.checks as readonly WindowedCheck[];

describe('samples', () => {
  it('reads both arms stable first, grouped by thousands', () => {
    expect(formatArmCounts({ stable: 12_480.4, canary: 300 })).toBe('12,480 / 300');
    expect(requestsText({ stable: 2700, canary: 300 })).toBe('2,700 / 300 req');
  });

  it('shows units when the check counted them and nothing when its spans carried none', () => {
    expect(unitsText(limit?.nUnits)).toBe('2,410 / 268 units');
    expect(unitsText(analysisWithoutUnits.checks[0]?.nUnits)).toBeNull();
  });
});

describe('windows', () => {
  it('names a window by its length from the ISO times the daemon sends', () => {
    expect(windowLengthText(limit?.window)).toBe('last 3m');
    expect(windowLengthText({ from: '2025-03-01T10:03:30Z', to: '2025-03-01T10:05:00Z' })).toBe(
      'last 1m 30s',
    );
  });

  it('shows nothing for a missing, unreadable or empty window', () => {
    expect(windowLengthText(undefined)).toBeNull();
    expect(windowLengthText(null)).toBeNull();
    expect(windowLengthText({ from: 'soon', to: 'later' })).toBeNull();
    expect(windowRangeText({ from: '2025-03-01T10:00:00Z', to: '2025-03-01T10:00:00Z' })).toBeNull();
  });

  it('gives the exact times in UTC, with dates when the window spans days', () => {
    expect(windowRangeText(limit?.window)).toBe('10:02:00–10:05:00 UTC');
    expect(windowRangeText({ from: '2025-03-01T23:58:00Z', to: '2025-03-02T00:01:00Z' })).toBe(
      '2025-03-01 23:58:00 – 2025-03-02 00:01:00 UTC',
    );
  });
});

describe("a check's evidence", () => {
  it('lists requests, estimated units and the window it judged', () => {
    expect(checkEvidenceText(limit as WindowedCheck)).toBe(
      'n 2,700 / 300 req · 2,410 / 268 units (estimated) · judged 10:02:00–10:05:00 UTC',
    );
    expect(checkEvidenceText(comparison as WindowedCheck)).toContain('4,020 / 446 units');
  });

  it('falls back on requests alone when the check has neither units nor a window', () => {
    const { nUnits: _, window: _w, ...bare } = limit as WindowedCheck;
    expect(checkEvidenceText(bare)).toBe('n 2,700 / 300 req');
  });
});

describe('the traffic-split figures', () => {
  it('count units when the check counted units', () => {
    expect(srmFiguresText(analysis.srm)).toBe('canary 10.1% of 2,678 units (expected 10%)');
  });

  it('count requests when spans carried no unit', () => {
    expect(srmFiguresText(analysisWithoutUnits.srm)).toBe('canary 10.1% of 3,000 requests (expected 10%)');
  });

  it('are absent when the check has no shares', () => {
    const srm = {
      expectedShare: null,
      observedShare: null,
      result: 'n/a',
      n: 0,
      reason: 'segment phase',
    } as const;
    expect(srmFiguresText(srm)).toBeNull();
  });
});
