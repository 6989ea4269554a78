import { stripVTControlCharacters } from 'node:util';
import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import { analysis, specs } from '../testing/analysis-fixture.js';
import { renderMetricTable } from './metric-table.js';

const plain = pc.createColors(false);

describe('the metric table', () => {
  it('puts stable and canary side by side with threshold, samples and status', () => {
    const lines = renderMetricTable(analysis, specs, plain);
    expect(lines[0]).toMatch(/^Metric\s+stable\s+canary\s+threshold\s+n \(stable \/ canary\)\s+Status$/);
    expect(lines[1]).toMatch(/^success_rate\s+95\.1%\s+90\.3%\s+≥ 90\.0%\s+2,700 \/ 300\s+◆ Watch$/);
    expect(lines[2]).toMatch(
      /^latency_p99 \(threshold\)\s+2,480 ms\s+3,412 ms\s+≤ 3,000 ms\s+2,700 \/ 300\s+✖ Degraded$/,
    );
    expect(lines[3]).toMatch(/^latency_p99 \(regression\)\s+.*vs stable\s+2,700 \/ 30\s+\? Inconclusive$/);
    expect(lines[4]).toMatch(/^tokens_per_request\s+410 tok\s+395 tok\s+—\s+2,700 \/ 300\s+not gated$/);
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

  it('says when there is no data yet', () => {
    expect(renderMetricTable({}, [], plain)).toEqual(['No metric data yet.']);
  });
});
