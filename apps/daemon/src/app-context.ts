import type { Logger } from 'pino';
import type { Authenticator } from './auth/authenticator.js';
import type { ChangeFeed } from './changes/change-feed.js';
import type { ChangeDeps } from './changes/commit-change.js';
import type { Clock } from './clock/clock.js';
import type { ConfigService } from './config/config-service.js';
import type { ApiDocs } from './openapi/api-docs.js';
import type { DaemonMetrics } from './ops/daemon-metrics.js';
import type { Settings } from './settings/settings.js';
import type { Store } from './store/store.js';

/**
 * Everything a feature's routes need, built once by `createApp`. All state is behind `store` (one port per
 * feature); writes go through `commitChange(ctx, …)`, which joins `store.transaction`.
 */
export interface AppContext extends ChangeDeps<Store> {
  readonly store: Store;
  readonly feed: ChangeFeed;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: Settings;
  readonly config: ConfigService;
  readonly metrics: DaemonMetrics;
  readonly auth: Authenticator;
  /** The OpenAPI catalogue: every route module adds its routes with the schemas it validates with. */
  readonly docs: ApiDocs;
  /** Registers cleanup run by `close()` (timers, streams), in reverse order of registration. */
  onClose(fn: () => void | Promise<void>): void;
}
