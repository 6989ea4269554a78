/**
 * Where ingest reports which config revision each app instance evaluated a flag with: every flag-bearing request
 * span (never an inherited copy) that carries `feature_flag.version` and `service.instance.id`, whether or not its
 * pack has a live rollout. Called on the ingest path, so it must be cheap and never throw.
 */
export interface InstanceObserver {
  seen(flagKey: string, instance: string, revision: string): void;
}
