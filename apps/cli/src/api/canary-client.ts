import type {
  Analysis,
  ApplyResult,
  AuditPage,
  CreatedToken,
  DrillReportView,
  PackVersionContent,
  PackVersionView,
  PackView,
  RolloutAction,
  RolloutDetail,
  RolloutPhase,
  RolloutView,
  Scope,
  SegmentView,
  TokenView,
} from '@prompt-canary/api-types';
import { ApiFailure } from './api-failure.js';

/** Where canaryd is and who is asking. */
export interface ClientOptions {
  /** Base URL, e.g. `http://localhost:4000`. */
  readonly url: string;
  /** Bearer token; without one the server answers 401 to everything under `/api/v1`. */
  readonly token?: string | undefined;
  /** Injected for tests; the global `fetch` otherwise. */
  readonly fetch?: typeof fetch;
}

/** Why a fetch failed, from the error's `cause` (`ECONNREFUSED`, `ENOTFOUND`, …). */
function networkReason(error: unknown): string {
  const cause =
    error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

/**
 * canaryd's HTTP API as the CLI uses it. Every failure is an {@link ApiFailure}: the server's code for an error
 * answer, `network` when there is no answer.
 *
 * @example
 * const client = new CanaryClient({ url: 'http://localhost:4000', token: process.env.CANARY_TOKEN });
 * const rollouts = await client.listRollouts({ phase: 'Progressing' });
 */
export class CanaryClient {
  readonly url: string;
  readonly #token: string | undefined;
  readonly #fetch: typeof fetch;

  constructor(options: ClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.#token = options.token;
    this.#fetch = options.fetch ?? fetch;
  }

  /** Headers every request carries. */
  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.#token ? { authorization: `Bearer ${this.#token}` } : {}), ...extra };
  }

  /** A raw request: the response when it is 2xx, else the server's error as an {@link ApiFailure}. */
  async request(path: string, init: RequestInit = {}): Promise<Response> {
    let response: Response;
    try {
      response = await this.#fetch(`${this.url}${path}`, {
        ...init,
        headers: this.headers(init.headers as Record<string, string> | undefined),
      });
    } catch (error) {
      if (init.signal?.aborted) throw error;
      throw new ApiFailure('network', `cannot reach ${this.url} (${networkReason(error)})`);
    }
    if (response.ok) return response;
    throw await failureOf(response);
  }

  async #json<T>(path: string, init: RequestInit = {}): Promise<T> {
    const response = await this.request(path, init);
    try {
      return (await response.json()) as T;
    } catch {
      throw new ApiFailure('bad_response', `${path} did not answer JSON`, response.status);
    }
  }

  /** `GET /api/v1/packs`. */
  listPacks(): Promise<PackView[]> {
    return this.#json('/api/v1/packs');
  }

  /** `GET /api/v1/packs/{name}`, or `null` when there is no such pack. */
  async getPack(name: string): Promise<PackView | null> {
    try {
      return await this.#json<PackView>(`/api/v1/packs/${encodeURIComponent(name)}`);
    } catch (error) {
      if (error instanceof ApiFailure && error.status === 404) return null;
      throw error;
    }
  }

  /** `GET /api/v1/packs/{name}/versions`: every applied version with its content hash, first applied first. */
  listVersions(name: string): Promise<PackVersionView[]> {
    return this.#json(`/api/v1/packs/${encodeURIComponent(name)}/versions`);
  }

  /** `GET /api/v1/packs/{name}/versions/{version}`, or `null` when the version was never applied. */
  async getVersion(name: string, version: string): Promise<PackVersionContent | null> {
    try {
      return await this.#json<PackVersionContent>(
        `/api/v1/packs/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`,
      );
    } catch (error) {
      if (error instanceof ApiFailure && error.status === 404) return null;
      throw error;
    }
  }

  /** `PUT /api/v1/packs/{name}` with the file's text, as YAML or JSON. */
  applyPack(name: string, text: string, contentType: string): Promise<ApplyResult> {
    return this.#json(`/api/v1/packs/${encodeURIComponent(name)}`, {
      method: 'PUT',
      headers: { 'content-type': contentType },
      body: text,
    });
  }

  /** `GET /api/v1/rollouts?pack=&phase=`, newest first. */
  listRollouts(filter: { pack?: string; phase?: RolloutPhase } = {}): Promise<RolloutView[]> {
    const query = new URLSearchParams();
    if (filter.pack) query.set('pack', filter.pack);
    if (filter.phase) query.set('phase', filter.phase);
    const suffix = query.size > 0 ? `?${query}` : '';
    return this.#json(`/api/v1/rollouts${suffix}`);
  }

  /** `GET /api/v1/rollouts/{id}`. */
  getRollout(id: string): Promise<RolloutDetail> {
    return this.#json(`/api/v1/rollouts/${encodeURIComponent(id)}`);
  }

  /** `GET /api/v1/rollouts/{id}/analysis?window=`. */
  getAnalysis(id: string, window = 'step'): Promise<Analysis> {
    return this.#json(
      `/api/v1/rollouts/${encodeURIComponent(id)}/analysis?window=${encodeURIComponent(window)}`,
    );
  }

  /** `POST /api/v1/rollouts/{id}/{action}` with `{reason?, full?}`: the rollout after the action. */
  act(id: string, action: RolloutAction, body: { reason?: string; full?: boolean }): Promise<RolloutDetail> {
    return this.#json(`/api/v1/rollouts/${encodeURIComponent(id)}/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  /** `POST /api/v1/packs/{name}/drill` with `{timeout, reason?}`: each step of the rollback drill. */
  drill(name: string, body: { timeout: string; reason?: string }): Promise<DrillReportView> {
    return this.#json(`/api/v1/packs/${encodeURIComponent(name)}/drill`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  /** `GET /api/v1/audit?pack=&limit=`, newest first. */
  audit(filter: { pack?: string; limit?: number; cursor?: string } = {}): Promise<AuditPage> {
    const query = new URLSearchParams();
    if (filter.pack) query.set('pack', filter.pack);
    if (filter.limit) query.set('limit', String(filter.limit));
    if (filter.cursor) query.set('cursor', filter.cursor);
    return this.#json(`/api/v1/audit?${query}`);
  }

  /** `DELETE /api/v1/packs/{name}`; `force` deletes a pack whose rollout is live. */
  async deletePack(name: string, options: { force?: boolean } = {}): Promise<void> {
    const suffix = options.force ? '?force=true' : '';
    await this.request(`/api/v1/packs/${encodeURIComponent(name)}${suffix}`, { method: 'DELETE' });
  }

  /** `POST /api/v1/tokens`: the new token with its secret, shown this once. */
  createToken(name: string, scopes: readonly Scope[]): Promise<CreatedToken> {
    return this.#json('/api/v1/tokens', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name, scopes }),
    });
  }

  /** `GET /api/v1/tokens`: names and scopes, never secrets. */
  listTokens(): Promise<TokenView[]> {
    return this.#json('/api/v1/tokens');
  }

  /** `DELETE /api/v1/tokens/{name}`. */
  async revokeToken(name: string): Promise<void> {
    await this.request(`/api/v1/tokens/${encodeURIComponent(name)}`, { method: 'DELETE' });
  }

  /** `PUT /api/v1/segments/{name}` with `{match}`: the segment, and whether it was new (201). */
  async putSegment(name: string, match: unknown): Promise<{ segment: SegmentView; created: boolean }> {
    const response = await this.request(`/api/v1/segments/${encodeURIComponent(name)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ match }),
    });
    return { segment: (await response.json()) as SegmentView, created: response.status === 201 };
  }

  /** `GET /api/v1/segments`. */
  listSegments(): Promise<SegmentView[]> {
    return this.#json('/api/v1/segments');
  }

  /** `GET /api/v1/segments/{name}`. */
  getSegment(name: string): Promise<SegmentView> {
    return this.#json(`/api/v1/segments/${encodeURIComponent(name)}`);
  }

  /** `DELETE /api/v1/segments/{name}`. */
  async deleteSegment(name: string): Promise<void> {
    await this.request(`/api/v1/segments/${encodeURIComponent(name)}`, { method: 'DELETE' });
  }

  /** `GET /api/v1/flagd.json`: every flag as one flagd flag-definition file. */
  exportFlagd(): Promise<unknown> {
    return this.#json('/api/v1/flagd.json');
  }
}

/** The server's `{code, message}` of an error answer, or a code made from the status when the body has none. */
async function failureOf(response: Response): Promise<ApiFailure> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { code?: unknown; message?: unknown };
    if (typeof body.code === 'string') {
      const message = typeof body.message === 'string' ? body.message : response.statusText;
      return new ApiFailure(body.code, message, response.status);
    }
  } catch {
    // not JSON: fall through to the status
  }
  const code = response.status === 404 ? 'not_found' : `http_${response.status}`;
  return new ApiFailure(code, text.trim().slice(0, 200) || response.statusText, response.status);
}
