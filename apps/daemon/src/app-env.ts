import type { Context } from 'hono';
import type { Scope } from './auth/scopes.js';

/** The authenticated caller of a request. */
export interface Principal {
  /** The token's name: the audit actor. */
  name: string;
  scopes: readonly Scope[];
}

/** Hono environment of the daemon: per-request variables set by its middleware. */
export interface AppEnv {
  Variables: {
    /**
     * The request id, from `X-Request-Id` or generated; echoed in the response and the log. Absent on a hot path
     * until something logs the request: read it with `requestIdOf(c)` (http/request-id.ts).
     */
    requestId: string | undefined;
    /** The caller, on every path that needs a token. */
    principal: Principal | undefined;
  };
}

/** The audit actor of a request: the acting token's name. */
export function actorOf(c: Context<AppEnv>): string {
  return c.get('principal')?.name ?? 'anonymous';
}
