import { Hono } from 'hono';
import type { Logger } from 'pino';
import { registerAnalysisRoutes } from './analysis/analysis-routes.js';
import { RolloutAnalyzer } from './analysis/rollout-analyzer.js';
import type { AppContext } from './app-context.js';
import type { AppEnv } from './app-env.js';
import { AssignmentAudit } from './assignments/assignment-audit.js';
import { registerAuditRoutes } from './audit/audit-routes.js';
import { registerEventRoutes } from './audit/event-routes.js';
import { authorize } from './auth/auth-middleware.js';
import { Authenticator } from './auth/authenticator.js';
import { type ChangeFeed, InProcessChangeFeed } from './changes/change-feed.js';
import type { Clock } from './clock/clock.js';
import { ConfigService } from './config/config-service.js';
import type { AnalysisSource } from './controller/analysis-source.js';
import { type Leadership, SoleLeadership } from './controller/leadership.js';
import { RolloutController } from './controller/rollout-controller.js';
import { sliceRequestRate, stepSampleWarnings } from './controller/step-sample-warnings.js';
import { registerDrillRoutes } from './drills/drill-routes.js';
import { InstanceRevisions } from './drills/instance-revisions.js';
import { EvaluationSampler } from './evaluations/evaluation-sampler.js';
import { registerFlagRoutes } from './flags/flag-routes.js';
import { registerFlagdRoutes } from './flags/flagd-routes.js';
import { ApiError, handleError } from './http/api-error.js';
import { buildIngest } from './ingest/build-ingest.js';
import { registerTrackRoutes } from './ingest/track-routes.js';
import { registerLimits } from './limits/register-limits.js';
import { startRetention } from './limits/retention-job.js';
import { registerOfrepRoutes } from './ofrep/ofrep-routes.js';
import { ApiDocs } from './openapi/api-docs.js';
import { registerOpenApiRoute } from './openapi/openapi-route.js';
import { registerClusterMetrics } from './ops/cluster-metrics.js';
import { createDaemonMetrics, type DaemonMetrics } from './ops/daemon-metrics.js';
import { registerOpsRoutes } from './ops/health-routes.js';
import { observeRequests } from './ops/request-observer.js';
import { registerRolloutMetrics } from './ops/rollout-metrics.js';
import { prometheusOtlpIngestCounters } from './otlp/otlp-ingest-counters.js';
import { registerOtlpRoutes } from './otlp/otlp-routes.js';
import { registerPackRoutes } from './releases/pack-routes.js';
import { registerPackVersionRoutes } from './releases/pack-version-routes.js';
import { registerRolloutRoutes } from './releases/rollout-routes.js';
import { registerSecretRedaction } from './security/redact-secrets.js';
import { registerSegmentRoutes } from './segments/segment-routes.js';
import { defaultSettings, type Settings } from './settings/settings.js';
import type { Store } from './store/store.js';
import { registerConfigRoutes } from './sync/config-routes.js';
import { registerTokenRoutes } from './tokens/token-routes.js';
import { registerWhoamiRoute } from './tokens/whoami-route.js';
import { registerUiRoutes } from './ui/ui-routes.js';
import { type RetryPolicy, WebhookNotifier } from './webhooks/webhook-notifier.js';

/** What {@link createApp} is built from. Only `main.ts` (or a test) creates these. */
export interface AppDeps {
  /** The daemon's state (`new SqliteStore(openDatabase(path))` in `main.ts`). Whoever built it closes it. */
  store: Store;
  clock: Clock;
  logger: Logger;
  settings?: Partial<Settings>;
  /** Defaults to an {@link InProcessChangeFeed}. */
  feed?: ChangeFeed;
  /** Defaults to fresh metrics without process metrics. */
  metrics?: DaemonMetrics;
  /** The rollout controller's analysis; defaults to the daemon's `RolloutAnalyzer` (tests may script one). */
  analysis?: AnalysisSource;
  /** Start the rollout controller's timer loop (default true); tests may drive `controller.tick()` instead. */
  startController?: boolean;
  /**
   * Which replica runs the rollout controller; defaults to {@link SoleLeadership} (one daemon on its database).
   * Replicas sharing PostgreSQL pass the lease (`PgLeaseLeadership`).
   */
  leadership?: Leadership;
  /** Retry policy of webhook deliveries (tests shorten the delays). */
  webhookRetry?: Partial<RetryPolicy>;
}

/** A built daemon: the Hono app, its context, and the shutdown of everything it started. */
export interface DaemonApp {
  app: Hono<AppEnv>;
  ctx: AppContext;
  /** The rollout loop (started unless `startController: false`). */
  controller: RolloutController;
  /** Signed webhooks announcing rollout transitions. */
  webhooks: WebhookNotifier;
  /** Evals on sampled live traffic (started with the controller). */
  evaluations: EvaluationSampler;
  /** Ends streams and timers. The store stays open: whoever opened it closes it. */
  close(): Promise<void>;
}

/**
 * The one composition root: builds the store, the change feed, the config snapshot, auth, metrics and every
 * route of the daemon.
 *
 * @example
 * const store = new SqliteStore(openDatabase(':memory:'));
 * const { app } = createApp({ store, clock: new ManualClock(), logger: pino({ level: 'silent' }) });
 * const res = await app.request('/healthz');
 */
export function createApp(deps: AppDeps): DaemonApp {
  const logger = deps.logger;
  const settings: Settings = { ...defaultSettings, timeScale: deps.clock.timeScale, ...deps.settings };
  const feed = deps.feed ?? new InProcessChangeFeed((err) => logger.error({ err }, 'change listener failed'));
  const { store } = deps;
  const metrics = deps.metrics ?? createDaemonMetrics();
  const config = new ConfigService(store, feed, (err, msg) => logger.error({ err }, msg));
  const auth = new Authenticator(store.tokens);
  const closers: Array<() => void | Promise<void>> = [];
  const lifecycle = { closing: false };

  const ctx: AppContext = {
    store,
    feed,
    clock: deps.clock,
    logger,
    settings,
    config,
    metrics,
    auth,
    docs: new ApiDocs(),
    onClose: (fn) => {
      closers.push(fn);
    },
  };
  metrics.configRevision.set(config.current().revision);
  config.subscribe((snapshot) => metrics.configRevision.set(snapshot.revision));
  // Token changes made anywhere take effect on the next request.
  const stopTokenWatch = feed.subscribe((event) => {
    if (event.audit.action.startsWith('token.')) auth.invalidate();
  });

  const app = new Hono<AppEnv>();
  app.onError(handleError(logger));
  app.notFound(() => {
    throw new ApiError('not_found', 'no such resource');
  });
  app.use('*', observeRequests(logger, metrics));
  app.use('*', authorize(auth));
  registerLimits(app, ctx);
  registerSecretRedaction(app);

  registerOpsRoutes(app, ctx, lifecycle);
  registerOfrepRoutes(app, ctx);
  registerConfigRoutes(app, ctx);
  registerTokenRoutes(app, ctx);
  registerWhoamiRoute(app, ctx);
  registerFlagRoutes(app, ctx);
  registerFlagdRoutes(app, ctx);
  registerSegmentRoutes(app, ctx);
  registerAuditRoutes(app, ctx);
  registerEventRoutes(app, ctx);
  registerOpenApiRoute(app, ctx);
  registerUiRoutes(app, ctx);

  // The rollout domain: applying packs, ingest, analysis, the controller loop and what it announces.
  const requestRate = sliceRequestRate(store.rollouts, store.slices);
  registerPackVersionRoutes(app, ctx);
  registerPackRoutes(app, ctx, {
    warnings: (pack, plan) =>
      stepSampleWarnings(
        pack.spec.rollout,
        plan,
        requestRate(pack.metadata.name, deps.clock.now()),
        deps.clock.timeScale,
      ),
  });
  const leadership = deps.leadership ?? new SoleLeadership();
  const evaluations = new EvaluationSampler({
    isLeader: () => leadership.isLeader(),
    rollouts: store.rollouts,
    batches: store.evaluations,
    clock: deps.clock,
    feed,
    logger,
    registry: metrics.registry,
  });
  const instances = new InstanceRevisions(() => deps.clock.now());
  const assignments = new AssignmentAudit({
    now: () => deps.clock.now(),
    currentRevision: () => config.current().revision,
  });
  assignments.remember(config.current().revision, config.current().document.flags);
  ctx.onClose(
    config.subscribe((snapshot) => assignments.remember(snapshot.revision, snapshot.document.flags)),
  );
  const ingest = buildIngest(ctx, { sampler: evaluations, instances, assignments });
  registerTrackRoutes(app, ctx, ingest.tracking, undefined, store.evaluations);
  const analyzer = new RolloutAnalyzer({
    slices: store.slices,
    timeline: (id) => store.rollouts.timeline(id),
    sliceMs: settings.analysisSliceMs,
    timeScale: deps.clock.timeScale,
    assignments: (flagKey, sinceMs) => assignments.verdict(flagKey, sinceMs),
  });
  registerAnalysisRoutes(app, ctx, { analyzer, rollouts: store.rollouts, controller: store.controller });
  registerOtlpRoutes(app, {
    sink: ingest.sink,
    counters: prometheusOtlpIngestCounters(metrics.registry),
    now: () => deps.clock.now(),
    onInternalError: (err) => logger.error({ err }, 'OTLP ingest failed'),
  });
  registerRolloutRoutes(app, ctx);

  ctx.onClose(registerRolloutMetrics(ctx));

  registerClusterMetrics(ctx, leadership);
  const controller = new RolloutController({
    changes: ctx,
    analysis: deps.analysis ?? analyzer,
    logger,
    registry: metrics.registry,
    leadership,
  });
  if (deps.startController !== false) {
    controller.start();
    evaluations.start();
  }
  ctx.onClose(() => controller.stop());
  ctx.onClose(() => evaluations.stop());
  startRetention(ctx, {
    aggregatesDays: settings.retentionAggregatesDays,
    auditDays: settings.retentionAuditDays,
  });
  const webhooks = new WebhookNotifier({
    changes: ctx,
    rollouts: store.rollouts,
    logger,
    registry: metrics.registry,
    ...(deps.webhookRetry === undefined ? {} : { retry: deps.webhookRetry }),
  });
  webhooks.start();
  ctx.onClose(() => webhooks.close());
  registerDrillRoutes(app, ctx, {
    servedRevision: () => config.current().revision,
    subscribers: async () => {
      const { values } = await metrics.syncClients.get();
      // Providers on the config stream and OFREP clients on theirs: both are told of a new revision.
      return values
        .filter((v) => v.labels.stream === 'config' || v.labels.stream === 'ofrep')
        .reduce((n, v) => n + v.value, 0);
    },
    instances,
    deliver: (targets, payload) => webhooks.deliverNow(targets, payload),
  });

  return {
    app,
    ctx,
    controller,
    webhooks,
    evaluations,
    close: async () => {
      lifecycle.closing = true;
      stopTokenWatch();
      for (const fn of closers.reverse()) await fn();
      config.close();
    },
  };
}
