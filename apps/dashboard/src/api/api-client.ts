import type {
  Analysis,
  AuditPage,
  PackVersionContent,
  PackView,
  RolloutAction,
  RolloutDetail,
  RolloutView,
  Whoami,
} from '@prompt-canary/api-types';

/** A failed API call: the daemon's error `code` (or `network_error`) and its message. */
export class ApiCallError extends Error {
  override readonly name = 'ApiCallError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The `fetch` the client uses; a test hands in its own. */
export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

/**
 * canaryd's admin API as the dashboard uses it. Every call carries `Authorization: Bearer <token>`; nothing goes
 * in the URL but the resource path and query.
 */
export class ApiClient {
  readonly #token: string;
  readonly #fetch: Fetch;
  readonly #base: string;
  readonly #onUnauthorized: (() => void) | undefined;

  /**
   * @param options.onUnauthorized called when the daemon answers 401 (the token was revoked): the app signs out.
   */
  constructor(token: string, options: { fetch?: Fetch; baseUrl?: string; onUnauthorized?: () => void } = {}) {
    this.#token = token;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#base = options.baseUrl ?? '';
    this.#onUnauthorized = options.onUnauthorized;
  }

  /** The request headers every call sends. */
  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Bearer ${this.#token}`, accept: 'application/json', ...extra };
  }

  /** A raw authorised request (the event stream uses it). */
  request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = { ...this.headers(), ...(init.headers as Record<string, string> | undefined) };
    return this.#fetch(`${this.#base}${path}`, { ...init, headers, credentials: 'omit', cache: 'no-store' });
  }

  async #json<T>(path: string, init: RequestInit = {}): Promise<T> {
    let res: Response;
    try {
      res = await this.request(path, init);
    } catch (err) {
      throw new ApiCallError(0, 'network_error', err instanceof Error ? err.message : String(err));
    }
    if (!res.ok) {
      if (res.status === 401) this.#onUnauthorized?.();
      const body = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
      throw new ApiCallError(res.status, body.code ?? `http_${res.status}`, body.message ?? res.statusText);
    }
    return (await res.json()) as T;
  }

  /** One version's bundle and content hash (`GET /api/v1/packs/{name}/versions/{version}`). */
  version(pack: string, version: string): Promise<PackVersionContent> {
    return this.#json(`/api/v1/packs/${encodeURIComponent(pack)}/versions/${encodeURIComponent(version)}`);
  }

  /** The token's name and scopes. */
  whoami(): Promise<Whoami> {
    return this.#json('/api/v1/whoami');
  }

  /** Every pack. */
  packs(): Promise<PackView[]> {
    return this.#json('/api/v1/packs');
  }

  /** Rollouts, newest first, optionally of one pack. */
  rollouts(pack?: string): Promise<RolloutView[]> {
    return this.#json(`/api/v1/rollouts${pack ? `?pack=${encodeURIComponent(pack)}` : ''}`);
  }

  /** One rollout with its timeline. */
  rollout(id: string): Promise<RolloutDetail> {
    return this.#json(`/api/v1/rollouts/${encodeURIComponent(id)}`);
  }

  /** The analysis of a rollout over the current step (the daemon's default window). */
  analysis(id: string): Promise<Analysis> {
    return this.#json(`/api/v1/rollouts/${encodeURIComponent(id)}/analysis`);
  }

  /** The newest audit entries, optionally of one pack. */
  audit(pack?: string, limit = 50): Promise<AuditPage> {
    const query = new URLSearchParams({ limit: String(limit) });
    if (pack) query.set('pack', pack);
    return this.#json(`/api/v1/audit?${query}`);
  }

  /** Runs an operator action with its reason; answers the rollout after it. */
  act(id: string, action: RolloutAction, reason: string): Promise<RolloutDetail> {
    return this.#json(`/api/v1/rollouts/${encodeURIComponent(id)}/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(reason.trim() ? { reason: reason.trim() } : {}),
    });
  }
}
