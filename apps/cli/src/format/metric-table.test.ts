import { stripVTControlCharacters } from 'node:util';
import type { AnalysisCheck } from '@prompt-canary/api-types';
import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import { analysis, analysisWithoutUnits, specs } from '../testing/analysis-fixture.js';
import { renderMetricTable } from './metric-table.js';
import type { WindowedCheck } from './samples.js';

const plain = pc.createColors(false);

function thresholdCheck(
  partial: Partial<AnalysisCheck> & Pick<AnalysisCheck, 'metric' | 'threshold'>,
): AnalysisCheck {
  return {
    kind: 'threshold',
    result: 'Pass',
    status: 'OK',
    stable: null,
    canary: null,
    n: { stable: 2700, canary: 300 },
    reason: `${partial.metric} within its limit`,
    onFail: 'rollback',
    ...partial,
  };
}

describe('the metric table', () => {
  it('puts stable and canary side by side with threshold, samples as requests and units, and status', () => {
    const lines = renderMetricTable(analysis, specs, plain);
    expect(lines[0]).toMatch(/^Metric\s+stable\s+canary\s+threshold\s+n \(stable \/ canary\)\s+Status$/);
    expect(lines[1]).toMatch(
      /^success_rate\s+95\.1%\s+90\.3%\s+≥ 90\.0% · last 3m\s+2,700 \/ 300 req\s+2,410 \/ 268 units\s+◆ Watch$/,
    );
    expect(lines[2]).toMatch(
      /^latency_p99 \(threshold\)\s+2,480 ms\s+3,412 ms\s+≤ 3,000 ms · last 5m\s+2,700 \/ 300 req\s+2,410 \/ 268 units\s+✖ Degraded$/,
    );
    expect(lines[3]).toMatch(
      /^latency_p99 \(regression\)\s+.*vs stable\s+2,700 \/ 30 req\s+2,410 \/ 27 units\s+\? Inconclusive$/,
    );
    expect(lines[4]).toMatch(/^tokens_per_request\s+410 tok\s+395 tok\s+—\s+2,700 \/ 300 req\s+not gated$/);
  });

  it('shows samples as requests only, in the old form, when no check counted units', () => {
    const lines = renderMetricTable(analysisWithoutUnits, specs, plain);
    expect(lines[0]).toMatch(/^Metric\s+stable\s+canary\s+threshold\s+n \(stable \/ canary\)\s+Status$/);
    expect(lines[1]).toMatch(
      /^success_rate\s+95\.1%\s+90\.3%\s+≥ 90\.0% · last 3m\s+2,700 \/ 300\s+◆ Watch$/,
    );
    expect(lines[3]).toMatch(/\s+vs stable\s+2,700 \/ 30\s+\? Inconclusive$/);
    expect(lines.join('\n')).not.toMatch(/\bunits\b|\breq\b/);
  });

  it('leaves the units cell blank for a check without units beside one with them', () => {
    const [first, ...rest] = analysis.checks;
    const { nUnits: _, ...requestsOnly } = first as AnalysisCheck;
    const lines = renderMetricTable({ ...analysis, checks: [requestsOnly, ...rest] }, specs, plain);
    expect(lines[1]).toMatch(/\s2,700 \/ 300 req\s+◆ Watch$/);
    expect(lines[2]).toMatch(/\s2,700 \/ 300 req\s+2,410 \/ 268 units\s+✖ Degraded$/);
  });

  it('names the window of hard limits only: a comparison judges the pooled traffic, not a recent window', () => {
    const lines = renderMetricTable(analysis, specs, plain);
    expect(lines[3]).not.toContain('last');
  });

  it('shows a hard limit without a window as the limit alone', () => {
    const checks = analysis.checks.map((check) => ({ ...check, window: undefined }));
    const lines = renderMetricTable({ ...analysis, checks }, specs, plain);
    expect(lines[1]).toMatch(/\s≥ 90\.0%\s+2,700 \/ 300 req\s/);
    expect(lines.join('\n')).not.toContain('last');
  });

  it('aligns columns whatever the colours', () => {
    const coloured = renderMetricTable(analysis, specs, pc.createColors(true));
    expect(coloured.join('\n')).not.toEqual(renderMetricTable(analysis, specs, plain).join('\n'));
    const plainLines = renderMetricTable(analysis, specs, plain);
    expect(coloured.map((line) => stripVTControlCharacters(line))).toEqual(plainLines);
  });

  it('shows relative limits from the spec', () => {
    const lines = renderMetricTable(
      {
        metricInfo: { tokens_per_request: { unit: 'tokens', direction: 'lower' } },
        checks: [
          {
            metric: 'tokens_per_request',
            kind: 'relative',
            result: 'Pass',
            status: 'Improved',
            stable: 410,
            canary: 300,
            n: { stable: 2700, canary: 300 },
            reason: 'tokens_per_request −26.8%',
            onFail: 'rollback',
          },
        ],
      },
      [{ name: 'tokens_per_request', maxIncrease: 0.5, onFail: 'rollback', compare: true }],
      plain,
    );
    expect(lines[1]).toMatch(
      /^tokens_per_request\s+410 tok\s+300 tok\s+\+50\.0% max\s+2,700 \/ 300\s+▲ Improved$/,
    );
  });

  it("shows a downstream service's metrics by their key, with the spec of that service's entry", () => {
    const key = 'downstream_error_rate:billing-parser';
    const lines = renderMetricTable(
      {
        arms: {
          stable: { n: 2700, metrics: { [key]: 0.004, 'downstream_latency_p99:billing-parser': 310 } },
          canary: { n: 300, metrics: { [key]: 0.12, 'downstream_latency_p99:billing-parser': 330 } },
        },
        metricInfo: {
          [key]: { unit: 'fraction', direction: 'lower' },
          'downstream_latency_p99:billing-parser': { unit: 'ms', direction: 'lower' },
        },
        checks: [
          {
            metric: key,
            kind: 'relative',
            result: 'Fail',
            status: 'Degraded',
            stable: 0.004,
            canary: 0.12,
            n: { stable: 2700, canary: 300 },
            reason: `${key} +11.6 points`,
            onFail: 'rollback',
          },
        ],
      },
      [
        {
          name: 'downstream_error_rate',
          service: 'search',
          maxIncrease: 0.05,
          onFail: 'rollback',
          compare: true,
        },
        {
          name: 'downstream_error_rate',
          service: 'billing-parser',
          maxIncrease: 0.01,
          toleranceUnit: 'points',
          onFail: 'rollback',
          compare: true,
        },
      ],
      plain,
    );
    expect(lines[1]).toMatch(/^downstream_error_rate:billing-parser\s+0\.4%\s+12\.0%\s+\+1\.0pt max\s/);
    expect(lines.some((line) => /^downstream_latency_p99:billing-parser\s+310 ms\s+330 ms/.test(line))).toBe(
      true,
    );
  });

  it('shows a custom refund_rate of unit number as a number and a custom tone_score of unit fraction as a percentage', () => {
    const lines = renderMetricTable(
      {
        arms: {
          stable: { n: 2700, metrics: { refund_rate: 0.42, tone_score: 0.873 } },
          canary: { n: 300, metrics: { refund_rate: 0.4, tone_score: 0.9 } },
        },
        metricInfo: {
          refund_rate: { unit: 'number', direction: 'lower' },
          tone_score: { unit: 'fraction', direction: 'higher' },
        },
        checks: [
          thresholdCheck({ metric: 'refund_rate', stable: 0.42, canary: 0.4, threshold: 0.5 }),
          thresholdCheck({ metric: 'tone_score', stable: 0.873, canary: 0.9, threshold: 0.8 }),
        ],
      },
      [],
      plain,
    );
    expect(lines[1]).toMatch(/^refund_rate\s+0\.42\s+0\.4\s+≤ 0\.5\s/);
    expect(lines[2]).toMatch(/^tone_score\s+87\.3%\s+90\.0%\s+≥ 80\.0%\s/);
  });

  it('takes the sign of a limit the spec does not give from the metric direction', () => {
    const check = thresholdCheck({ metric: 'success_rate', threshold: 0.9 });
    const higher = renderMetricTable(
      { metricInfo: { success_rate: { unit: 'fraction', direction: 'higher' } }, checks: [check] },
      [],
      plain,
    );
    const lower = renderMetricTable(
      { metricInfo: { success_rate: { unit: 'fraction', direction: 'lower' } }, checks: [check] },
      [],
      plain,
    );
    expect(higher[1]).toMatch(/\s≥ 90\.0%\s/);
    expect(lower[1]).toMatch(/\s≤ 90\.0%\s/);
  });

  it('shows plain numbers and no guessed sign from a daemon that sends no metricInfo', () => {
    const { metricInfo: _, ...old } = analysisWithoutUnits;
    const checks = old.checks.map(({ window: _w, ...check }: WindowedCheck) => check);
    const lines = renderMetricTable({ ...old, checks }, [], plain);
    expect(lines[1]).toMatch(/^success_rate\s+0\.951\s+0\.903\s+0\.9\s+2,700 \/ 300\s+◆ Watch$/);
    expect(lines[2]).toMatch(/^latency_p99 \(threshold\)\s+2,480\s+3,412\s+3,000\s+2,700 \/ 300\s/);
    expect(lines[4]).toMatch(/^tokens_per_request\s+410\s+395\s+—\s/);
  });

  it('says when there is no data yet', () => {
    expect(renderMetricTable({}, [], plain)).toEqual(['No metric data yet.']);
  });
});
