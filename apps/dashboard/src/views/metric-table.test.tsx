import { describe, expect, it } from 'vitest';
import { analysis, analysisWithoutUnits } from '../testing/analysis-fixture.js';
import { expand, findAll, type TextNode, textOf } from '../testing/render-text.js';
import { AnalysisReasons, MetricTable } from './metric-table.js';

const cellsOf = (nodes: readonly (TextNode | string)[]) =>
  findAll(nodes, (n) => n.tag === 'tr' && n.props['data-metric'] === 'latency_p99').flatMap((row) =>
    row.children
      .filter((c): c is TextNode => typeof c !== 'string' && c.tag === 'td')
      .map((c) => textOf([c])),
  );

describe('the metric table', () => {
  it('keeps both arms and the status first, then the samples as requests and units', () => {
    const nodes = expand(<MetricTable analysis={analysis} />);
    expect(textOf(findAll(nodes, (n) => n.tag === 'th'))).toBe(
      'Metricstable 2.3.1canary 2.4.0Statusn (stable / canary)',
    );
    const cells = cellsOf(nodes);
    expect(cells.slice(1, 4)).toEqual(['2,480 ms', '3,412 ms', 'Degraded']);
    expect(cells[4]).toBe('5,400 / 600 req4,020 / 446 units');
  });

  it("names the hard limit's window, with its exact times on hover", () => {
    const nodes = expand(<MetricTable analysis={analysis} />);
    expect(cellsOf(nodes)[0]).toBe('latency_p99 limit 3,000 ms · last 3m');
    const [window] = findAll(nodes, (n) => n.props.class === 'limit-window');
    expect(window?.props.title).toBe('judged 10:02:00–10:05:00 UTC');
  });

  it('shows requests alone when spans carried no unit', () => {
    const cells = cellsOf(expand(<MetricTable analysis={analysisWithoutUnits} />));
    expect(cells[4]).toBe('5,400 / 600 req');
  });

  it('shows the limit alone when the answer has no window', () => {
    const checks = analysis.checks.map(({ ...check }) => ({ ...check, window: undefined }));
    const cells = cellsOf(expand(<MetricTable analysis={{ ...analysis, checks }} />));
    expect(cells[0]).toBe('latency_p99 limit 3,000 ms');
  });
});

describe('the analysis reasons', () => {
  it('counts the traffic split in units when the check counted units', () => {
    const nodes = expand(<AnalysisReasons analysis={analysis} />);
    const [srm] = findAll(nodes, (n) => n.props['data-check'] === 'srm');
    expect(textOf(srm ? [srm] : [])).toBe('traffic split: Pass — canary 10.1% of 2,678 units (expected 10%)');
  });

  it('counts the traffic split in requests when spans carried no unit', () => {
    const nodes = expand(<AnalysisReasons analysis={analysisWithoutUnits} />);
    const [srm] = findAll(nodes, (n) => n.props['data-check'] === 'srm');
    expect(textOf(srm ? [srm] : [])).toBe(
      'traffic split: Pass — canary 10.1% of 3,000 requests (expected 10%)',
    );
  });

  it('shows the result alone for a traffic split without shares', () => {
    const srm = {
      expectedShare: null,
      observedShare: null,
      result: 'n/a',
      n: 0,
      reason: 'segment phase',
    } as const;
    const nodes = expand(<AnalysisReasons analysis={{ ...analysis, srm }} />);
    const [line] = findAll(nodes, (n) => n.props['data-check'] === 'srm');
    expect(textOf(line ? [line] : [])).toBe('traffic split: n/a');
  });

  it("puts each check's samples, units and window on hover beside its reason", () => {
    const items = findAll(expand(<AnalysisReasons analysis={analysis} />), (n) => n.tag === 'li');
    expect(items[0]?.props.title).toBe(
      'n 2,700 / 300 req · 2,410 / 268 units (estimated) · judged 10:02:00–10:05:00 UTC',
    );
    const bare = findAll(expand(<AnalysisReasons analysis={analysisWithoutUnits} />), (n) => n.tag === 'li');
    expect(bare[0]?.props.title).toBe('n 2,700 / 300 req · judged 10:02:00–10:05:00 UTC');
  });
});

describe('the metrics no check gates', () => {
  const measured = {
    ...analysis,
    arms: {
      stable: {
        ...analysis.arms.stable,
        metrics: { latency_p99: 2480, tokens_per_request: 700, error_rate: 0.03 },
      },
      canary: {
        ...analysis.arms.canary,
        metrics: { latency_p99: 3412, tokens_per_request: 900, error_rate: 0.04 },
      },
    },
    metricInfo: {
      ...analysis.metricInfo,
      tokens_per_request: { unit: 'tokens', direction: 'lower' },
      error_rate: { unit: 'fraction', direction: 'lower' },
    },
  } as const;

  it('follow the gated rows by name, in their units, marked not gated, with the arms’ requests', () => {
    const rows = findAll(
      expand(<MetricTable analysis={measured} />),
      (n) => n.tag === 'tr' && n.props.class === 'not-gated',
    );
    expect(rows.map((row) => row.props['data-metric'])).toEqual(['error_rate', 'tokens_per_request']);
    const text = rows.map((row) => row.children.map((cell) => textOf([cell])));
    expect(text).toEqual([
      ['error_rate', '3%', '4%', 'not gated', '2,700 / 300 req'],
      ['tokens_per_request', '700 tok', '900 tok', 'not gated', '2,700 / 300 req'],
    ]);
  });

  it('make a table even when nothing is gated', () => {
    const nodes = expand(<MetricTable analysis={{ ...measured, checks: [] }} />);
    expect(findAll(nodes, (n) => n.props.class === 'not-gated')).toHaveLength(3);
  });

  it('leave a plain note when nothing was measured', () => {
    const empty = {
      ...analysis,
      checks: [],
      arms: { stable: { n: 0, metrics: {} }, canary: { n: 0, metrics: {} } },
    };
    expect(textOf(expand(<MetricTable analysis={empty} />))).toBe('No metric data yet.');
  });
});

describe('the table caption', () => {
  it('names the analysis window, its length and where the comparisons began', () => {
    const [caption] = findAll(expand(<MetricTable analysis={analysis} />), (n) => n.tag === 'caption');
    expect(textOf(caption ? [caption] : [])).toBe(
      'window 10:00:00–10:05:00 UTC (5m) · comparisons on split traffic since 09:40:00 UTC',
    );
  });

  it('names both spans of a before/after comparison', () => {
    const beforeAfter = {
      ...analysis,
      comparisons: {
        scope: 'split' as const,
        from: '2025-03-01T10:00:00Z',
        before: { from: '2025-03-01T09:00:00Z', to: '2025-03-01T10:00:00Z' },
      },
    };
    const [caption] = findAll(expand(<MetricTable analysis={beforeAfter} />), (n) => n.tag === 'caption');
    expect(textOf(caption ? [caption] : [])).toBe(
      'window 10:00:00–10:05:00 UTC (5m) · before/after: since 10:00:00 UTC against 09:00:00–10:00:00 UTC',
    );
  });
});
