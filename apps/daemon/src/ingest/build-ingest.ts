import type { AppContext } from '../app-context.js';
import type { IngestSink } from '../otlp/ingest-sink.js';
import { AggregatingIngestSink } from './aggregating-ingest-sink.js';
import { prometheusAnalysisIngestCounters } from './analysis-ingest-counters.js';
import type { AssignmentObserver } from './assignment-observer.js';
import type { InstanceObserver } from './instance-observer.js';
import { LiveRolloutIndex } from './live-rollout-index.js';
import type { TraceSampler } from './trace-sampler.js';
import { TrackingIngest } from './tracking-ingest.js';

/** The analyzer's ingest side: the OTLP sink and the tracking and score ingest, on one live-rollout index. */
export interface Ingest {
  readonly sink: IngestSink;
  readonly tracking: TrackingIngest;
}

/** Who ingest tells about what it saw, beside the slices: the features above it, through its own ports. */
export interface IngestObservers {
  /** Offered every committed split-assigned request (evals on sampled live traffic). */
  readonly sampler?: TraceSampler;
  /** Told each app instance's config revision per flag (rollback drills). */
  readonly instances?: InstanceObserver;
  /** Told every split-assigned request with its bucket (served versus assigned). */
  readonly assignments?: AssignmentObserver;
}

/**
 * Builds the ingest side on the app's store: the live-rollout index (refreshed on the change feed; it holds the
 * packs at rest too, whose stable version's items feed their rolling baselines), the OTLP sink
 * that folds spans and span-metric points into slices, the tracking ingest behind `/api/v1/track` and
 * `/api/v1/scores`, and the `canaryd_analysis_items_total` counters. `app.ts` mounts the routes.
 */
export function buildIngest(ctx: AppContext, observers: IngestObservers = {}): Ingest {
  const { sampler, instances, assignments } = observers;
  const sliceMs = ctx.settings.analysisSliceMs;
  const { slices, rollouts, traces, packs } = ctx.store;
  const index = new LiveRolloutIndex(rollouts, slices, {
    packs,
    onError: (err, pack) =>
      ctx.logger.error(
        { err, pack },
        "pack baseline: could not reset or delete; the pack's items are dropped until the next change",
      ),
  });
  ctx.onClose(ctx.feed.subscribe(() => index.refresh()));
  const counters = prometheusAnalysisIngestCounters(ctx.metrics.registry);
  return {
    sink: new AggregatingIngestSink({
      index,
      slices,
      traces,
      sliceMs,
      counters,
      ...(sampler === undefined ? {} : { sampler }),
      ...(instances === undefined ? {} : { instances }),
      ...(assignments === undefined ? {} : { assignments }),
      onTraceJoinError: (err) =>
        ctx.logger.error({ err }, 'trace join write failed; scores for those traces will be unknown'),
    }),
    tracking: new TrackingIngest({
      index,
      slices,
      traces,
      sliceMs,
      counters,
      evaluate: (flagKey, context, nowMs) => ctx.config.current().evaluator.evaluate(flagKey, context, nowMs),
    }),
  };
}
