/** An error answer of canaryd's API: `{code, message}` with the HTTP status. */
export class CanaryApiError extends Error {
  override readonly name = 'CanaryApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A rollout as `GET /api/v1/rollouts/{id}` shows it (the fields the launcher reads). */
export interface RolloutSummary {
  id: string;
  pack: string;
  phase: 'Progressing' | 'Paused' | 'Completed' | 'RolledBack';
  reason: string;
  stableVersion: string;
  canaryVersion: string;
  weight: number;
  effectiveWeight: number;
  step: number;
  steps?: number;
  updatedAt: string;
}

/** A pack as `GET /api/v1/packs/{name}` shows it (the fields the launcher reads). */
export interface PackSummary {
  name: string;
  stableVersion: string;
  liveRollout: string | null;
}

/**
 * The few admin calls the launcher makes, over `fetch` with a bearer token.
 *
 * @example
 * const api = new CanaryApi('http://127.0.0.1:4000', adminToken);
 * const { token } = await api.createToken('demo-app', ['evaluate', 'ingest']);
 */
export class CanaryApi {
  constructor(
    readonly url: string,
    readonly token: string,
  ) {}

  async #call<T>(method: string, path: string, body?: { json: unknown } | { yaml: string }): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    let payload: string | undefined;
    if (body && 'json' in body) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body.json);
    } else if (body) {
      headers['content-type'] = 'application/yaml';
      payload = body.yaml;
    }
    const res = await fetch(`${this.url}${path}`, { method, headers, body: payload });
    const text = await res.text();
    if (!res.ok) {
      let code = 'http_error';
      let message = text || res.statusText;
      try {
        const error = JSON.parse(text) as { code?: string; message?: string };
        code = error.code ?? code;
        message = error.message ?? message;
      } catch {
        // not JSON: keep the text
      }
      throw new CanaryApiError(res.status, code, `${method} ${path}: ${res.status} ${code}: ${message}`);
    }
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  /** `POST /api/v1/tokens`: the secret is returned once. */
  createToken(name: string, scopes: readonly string[]): Promise<{ name: string; token: string }> {
    return this.#call('POST', '/api/v1/tokens', { json: { name, scopes } });
  }

  /** `DELETE /api/v1/tokens/{name}`; a missing token is fine. */
  async deleteToken(name: string): Promise<void> {
    try {
      await this.#call('DELETE', `/api/v1/tokens/${encodeURIComponent(name)}`);
    } catch (error) {
      if (!(error instanceof CanaryApiError && error.status === 404)) throw error;
    }
  }

  /** `GET /api/v1/packs/{name}`, or `undefined` when there is no such pack. */
  async getPack(name: string): Promise<PackSummary | undefined> {
    try {
      return await this.#call<PackSummary>('GET', `/api/v1/packs/${encodeURIComponent(name)}`);
    } catch (error) {
      if (error instanceof CanaryApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** `DELETE /api/v1/packs/{name}?force=true`: removes the pack even with a live rollout. */
  async deletePack(name: string): Promise<void> {
    await this.#call('DELETE', `/api/v1/packs/${encodeURIComponent(name)}?force=true`);
  }

  /** `PUT /api/v1/packs/{name}` with a YAML document. */
  applyPack(name: string, yaml: string): Promise<{ pack: PackSummary; rollout?: RolloutSummary }> {
    return this.#call('PUT', `/api/v1/packs/${encodeURIComponent(name)}`, { yaml });
  }

  /** `GET /api/v1/rollouts/{id}`. */
  getRollout(id: string): Promise<RolloutSummary> {
    return this.#call('GET', `/api/v1/rollouts/${encodeURIComponent(id)}`);
  }
}
