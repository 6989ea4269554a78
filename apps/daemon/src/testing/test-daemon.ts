import { pino } from 'pino';
import { type AppDeps, createApp, type DaemonApp } from '../app.js';
import { hashToken } from '../auth/authenticator.js';
import type { Scope } from '../auth/scopes.js';
import { ManualClock } from '../clock/clock.js';
import { openDatabase, type SqliteDatabase } from '../db/database.js';
import type { Settings } from '../settings/settings.js';
import { SqliteStore } from '../store/sqlite-store.js';

/** Extra request options of {@link TestDaemon.request}. */
export interface TestRequestInit extends RequestInit {
  /** Send the test token of this scope (default `admin`); `null` sends none; any other string is sent as is. */
  as?: Scope | null | (string & {});
  /** A JSON body (sets `content-type: application/json`). */
  json?: unknown;
  /** A YAML body (sets `content-type: application/yaml`). */
  yaml?: string;
}

/**
 * A parsed JSON body in tests, asserted with `expect` rather than typed.
 */
// biome-ignore lint/suspicious/noExplicitAny: response bodies in tests are checked by assertions, not by types.
export type TestBody = any;

/** A response whose `json()` is loosely typed for assertions. */
export interface TestResponse extends Response {
  json(): Promise<TestBody>;
}

/** An in-memory daemon for tests, with one token per scope (`tokens.admin`, `tokens.read`, …). */
export interface TestDaemon extends DaemonApp {
  db: SqliteDatabase;
  clock: ManualClock;
  tokens: Record<Scope, string>;
  /** `app.request` with a test token and body helpers. */
  request(path: string, init?: TestRequestInit): Promise<TestResponse>;
}

const SCOPE_LIST: Scope[] = ['evaluate', 'ingest', 'read', 'operate', 'admin'];

/**
 * Builds the daemon on `:memory:` with a {@link ManualClock} and a silent logger (unless one is given), for
 * `app.request()` tests.
 *
 * @example
 * const d = createTestDaemon();
 * const res = await d.request('/api/v1/segments/internal', { method: 'PUT', json: { match: { plan: 'internal' } } });
 */
export function createTestDaemon(
  settings: Partial<Settings> = {},
  clock = new ManualClock(),
  deps: Partial<Pick<AppDeps, 'analysis' | 'startController' | 'webhookRetry' | 'logger' | 'leadership'>> & {
    db?: SqliteDatabase;
  } = {},
): TestDaemon {
  const { db: given, ...rest } = deps;
  const db = given ?? openDatabase(':memory:');
  const store = new SqliteStore(db, { now: () => clock.now() });
  const daemon = createApp({
    ...rest,
    store,
    clock,
    logger: deps.logger ?? pino({ level: 'silent' }),
    settings,
  });
  const tokens = {} as Record<Scope, string>;
  for (const scope of SCOPE_LIST) {
    tokens[scope] = `test-token-${scope}-0123456789`;
    daemon.ctx.store.tokens.put({
      name: `test-${scope}`,
      tokenHash: hashToken(tokens[scope]),
      scopes: [scope],
      createdAt: new Date(clock.now()).toISOString(),
    });
  }
  daemon.ctx.auth.invalidate();
  return {
    ...daemon,
    db,
    clock,
    tokens,
    request: (path, init = {}) => {
      const { as = 'admin', json, yaml, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (as !== null) {
        const token = (SCOPE_LIST as string[]).includes(as) ? tokens[as as Scope] : as;
        headers.set('authorization', `Bearer ${token}`);
      }
      let body = rest.body;
      if (json !== undefined) {
        headers.set('content-type', 'application/json');
        body = JSON.stringify(json);
      } else if (yaml !== undefined) {
        headers.set('content-type', 'application/yaml');
        body = yaml;
      }
      return Promise.resolve(daemon.app.request(path, { ...rest, headers, body })) as Promise<TestResponse>;
    },
  };
}
