import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { CounterCells, HistogramCells } from './metric-cells.js';

/**
 * The daemon's Prometheus metrics, on a registry of their own (no global state). The per-request ones are
 * {@link CounterCells} / {@link HistogramCells} (prom-client metrics underneath): take a label set's cell
 * (`httpRequests.cell(method, route, status)`) and add to it, rather than prom-client's `inc(labels)`, which
 * re-serialises the labels on each call.
 */
export interface DaemonMetrics {
  readonly registry: Registry;
  readonly httpRequests: CounterCells<'method', 'route', 'status'>;
  readonly httpDuration: HistogramCells<'method', 'route'>;
  readonly evaluations: CounterCells<'flag', 'variant', 'reason'>;
  readonly syncClients: Gauge<'stream'>;
  readonly configRevision: Gauge;
}

/** Options of {@link createDaemonMetrics}. */
export interface DaemonMetricsOptions {
  /** Also collect Node process metrics (heap, event loop lag, …). Off in tests. */
  processMetrics?: boolean;
}

/** Creates the metrics on a fresh registry. */
export function createDaemonMetrics(options: DaemonMetricsOptions = {}): DaemonMetrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'canaryd_' });
  return {
    registry,
    httpRequests: new CounterCells({
      name: 'canaryd_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'],
      registry,
    }),
    httpDuration: new HistogramCells({
      name: 'canaryd_http_request_duration_seconds',
      help: 'HTTP request latency by route',
      labelNames: ['method', 'route'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registry,
    }),
    evaluations: new CounterCells({
      name: 'canaryd_evaluations_total',
      help: 'OFREP flag evaluations by flag, variant and reason',
      labelNames: ['flag', 'variant', 'reason'],
      registry,
    }),
    syncClients: new Gauge({
      name: 'canaryd_sync_clients',
      help: 'Connected streaming clients by stream (config sync, OFREP events)',
      labelNames: ['stream'],
      registers: [registry],
    }),
    configRevision: new Gauge({
      name: 'canaryd_config_revision',
      help: 'The config revision currently served',
      registers: [registry],
    }),
  };
}
