import type { Hono } from 'hono';
import type { AppContext } from '../app-context.js';
import type { AppEnv } from '../app-env.js';
import { AggregatingIngestSink } from '../ingest/aggregating-ingest-sink.js';
import { prometheusAnalysisIngestCounters } from '../ingest/analysis-ingest-counters.js';
import { LiveRolloutIndex } from '../ingest/live-rollout-index.js';
import { SqliteSliceStore } from '../ingest/sqlite-slice-store.js';
import { DEFAULT_TRACE_INDEX_SIZE, TraceIndex } from '../ingest/trace-index.js';
import { registerTrackRoutes } from '../ingest/track-routes.js';
import { TrackingIngest } from '../ingest/tracking-ingest.js';
import type { IngestSink } from '../otlp/ingest-sink.js';
import { SqliteRolloutStore } from '../rollouts/sqlite-rollout-store.js';
import { registerAnalysisRoutes } from './analysis-routes.js';
import { sqliteControllerView } from './controller-view.js';
import { RolloutAnalyzer } from './rollout-analyzer.js';

/** Options of {@link registerAnalysis}. */
export interface AnalysisOptions {
  /** Aggregate slice length in real ms; default `ctx.settings.analysisSliceMs`. */
  sliceMs?: number;
  /** Hot slices kept deserialized; default 4,096. */
  maxCachedSlices?: number;
  /** Traces remembered for joining scores; default 100,000. */
  maxTraces?: number;
}

/** The analyzer's parts, for the OTLP routes (the sink) and the rollout controller (the analyzer). */
export interface AnalysisWiring {
  sink: IngestSink;
  analyzer: RolloutAnalyzer;
}

/**
 * Builds the analyzer on the app's database: the slice store, the live-rollout index (refreshed on the change
 * feed), the OTLP sink, `POST /api/v1/track` + `/api/v1/scores`, `GET /api/v1/rollouts/{id}/analysis` and the
 * `canaryd_analysis_items_total` counters. Mount the returned sink on the OTLP routes; hand the analyzer to the
 * controller.
 */
export function registerAnalysis(
  app: Hono<AppEnv>,
  ctx: AppContext,
  options: AnalysisOptions = {},
): AnalysisWiring {
  const sliceMs = options.sliceMs ?? ctx.settings.analysisSliceMs;
  const slices = new SqliteSliceStore(ctx.db, {
    now: () => ctx.clock.now(),
    ...(options.maxCachedSlices === undefined ? {} : { maxCachedSlices: options.maxCachedSlices }),
  });
  const rollouts = new SqliteRolloutStore(ctx.db);
  const index = new LiveRolloutIndex(rollouts, slices);
  ctx.onClose(ctx.feed.subscribe(() => index.refresh()));
  const traces = new TraceIndex(options.maxTraces ?? DEFAULT_TRACE_INDEX_SIZE);
  const counters = prometheusAnalysisIngestCounters(ctx.metrics.registry);
  const sink = new AggregatingIngestSink({ index, slices, traces, sliceMs, counters });
  const tracking = new TrackingIngest({
    index,
    slices,
    traces,
    sliceMs,
    counters,
    evaluate: (flagKey, context, nowMs) => ctx.config.current().evaluator.evaluate(flagKey, context, nowMs),
  });
  registerTrackRoutes(app, ctx, tracking);
  const analyzer = new RolloutAnalyzer({
    slices,
    timeline: (id) => rollouts.timeline(id),
    sliceMs,
    timeScale: ctx.clock.timeScale,
  });
  registerAnalysisRoutes(app, ctx, { analyzer, rollouts, controller: sqliteControllerView(ctx.db) });
  return { sink, analyzer };
}
