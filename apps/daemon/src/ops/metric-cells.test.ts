import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CounterCells, HistogramCells } from './metric-cells.js';

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const SEEN: Array<[string, string, number, number]> = [
  ['POST', '/ofrep/v1/evaluate/flags/:key', 200, 0.0004],
  ['GET', '/api/v1/config', 200, 0.003],
  ['POST', '/ofrep/v1/evaluate/flags/:key', 200, 0.0011],
  ['POST', '/ofrep/v1/evaluate/flags/:key', 401, 0.0002],
  ['PUT', '/api/v1/flags/:key', 201, 3.5],
  ['POST', '/ofrep/v1/evaluate/flags/:key', 200, 0.001],
];

/** The same metrics through prom-client's own calls and through the cells: `/metrics` must not tell them apart. */
function both() {
  const plain = new Registry();
  const counter = new Counter({
    name: 'x_requests_total',
    help: 'requests',
    labelNames: ['method', 'route', 'status'],
    registers: [plain],
  });
  const histogram = new Histogram({
    name: 'x_duration_seconds',
    help: 'duration',
    labelNames: ['method', 'route'],
    buckets: BUCKETS,
    registers: [plain],
  });
  const fast = new Registry();
  const counterCells = new CounterCells({
    name: 'x_requests_total',
    help: 'requests',
    labelNames: ['method', 'route', 'status'],
    registry: fast,
  });
  const histogramCells = new HistogramCells({
    name: 'x_duration_seconds',
    help: 'duration',
    labelNames: ['method', 'route'],
    buckets: BUCKETS,
    registry: fast,
  });
  const record = () => {
    for (const [method, route, status, seconds] of SEEN) {
      counter.inc({ method, route, status: String(status) });
      histogram.observe({ method, route }, seconds);
      counterCells.cell(method, route, String(status)).pending++;
      histogramCells.cell(method, route).observe(seconds);
    }
  };
  return { plain, fast, record };
}

describe('metric cells', () => {
  it('export exactly what prom-client exports for the same counts, scrape after scrape', async () => {
    const { plain, fast, record } = both();
    expect(await fast.metrics()).toBe(await plain.metrics());
    record();
    expect(await fast.metrics()).toBe(await plain.metrics());
    record();
    record();
    expect(await fast.metrics()).toBe(await plain.metrics());
    expect(await fast.getMetricsAsJSON()).toEqual(await plain.getMetricsAsJSON());
  });

  it('reset like prom-client', async () => {
    const { plain, fast, record } = both();
    record();
    plain.resetMetrics();
    fast.resetMetrics();
    record();
    expect(await fast.metrics()).toBe(await plain.metrics());
  });

  it('find the same cell for the same labels and refuse a non-finite observation', () => {
    const cells = new HistogramCells({
      name: 'y_seconds',
      help: 'y',
      labelNames: ['a', 'b'],
      buckets: [1],
      registry: new Registry(),
    });
    expect(cells.cell('p', 'q')).toBe(cells.cell('p', 'q'));
    expect(cells.cell('p', 'q')).not.toBe(cells.cell('q', 'p'));
    expect(() => cells.cell('p', 'q').observe(Number.NaN)).toThrow(TypeError);
  });
});
