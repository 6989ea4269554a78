import type { Hono } from 'hono';
import type { AppContext } from '../app-context.js';
import type { AppEnv } from '../app-env.js';
import { AggregatingIngestSink } from '../ingest/aggregating-ingest-sink.js';
import { prometheusAnalysisIngestCounters } from '../ingest/analysis-ingest-counters.js';
import { LiveRolloutIndex } from '../ingest/live-rollout-index.js';
import { registerTrackRoutes } from '../ingest/track-routes.js';
import { TrackingIngest } from '../ingest/tracking-ingest.js';
import type { IngestSink } from '../otlp/ingest-sink.js';
import { registerAnalysisRoutes } from './analysis-routes.js';
import { RolloutAnalyzer } from './rollout-analyzer.js';

/** Options of {@link registerAnalysis}. */
export interface AnalysisOptions {
  /** Aggregate slice length in real ms; default `ctx.settings.analysisSliceMs`. */
  sliceMs?: number;
}

/** The analyzer's parts, for the OTLP routes (the sink) and the rollout controller (the analyzer). */
export interface AnalysisWiring {
  sink: IngestSink;
  analyzer: RolloutAnalyzer;
}

/**
 * Builds the analyzer on the app's store: the live-rollout index (refreshed on the change
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
  const { slices, rollouts, traces, controller } = ctx.store;
  const index = new LiveRolloutIndex(rollouts, slices);
  ctx.onClose(ctx.feed.subscribe(() => index.refresh()));
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
  registerAnalysisRoutes(app, ctx, { analyzer, rollouts, controller });
  return { sink, analyzer };
}
