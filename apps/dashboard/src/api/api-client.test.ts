import { describe, expect, it } from 'vitest';
import { ApiCallError, ApiClient, type Fetch } from './api-client.js';

interface Call {
  url: string;
  init: RequestInit;
}

function recording(respond: (call: Call) => Response): { fetch: Fetch; calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    fetch: async (url, init = {}) => {
      const call = { url, init };
      calls.push(call);
      return respond(call);
    },
  };
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('the API client', () => {
  it('sends the token in the Authorization header only, never in the URL, and no cookies', async () => {
    const { fetch, calls } = recording(() => json([]));
    const client = new ApiClient('pc_secret', { fetch });
    await client.rollouts('support prompts');
    await client.audit('support-prompts', 20);
    for (const call of calls) {
      expect(call.url).not.toContain('pc_secret');
      expect((call.init.headers as Record<string, string>).authorization).toBe('Bearer pc_secret');
      expect(call.init.credentials).toBe('omit');
    }
    expect(calls.map((c) => c.url)).toEqual([
      '/api/v1/rollouts?pack=support%20prompts',
      '/api/v1/audit?limit=20&pack=support-prompts',
    ]);
  });

  it('posts an action with its reason as JSON', async () => {
    const { fetch, calls } = recording(() => json({ id: 'r1', phase: 'RolledBack' }));
    const rollout = await new ApiClient('t', { fetch }).act('r1', 'rollback', '  p99 over budget ');
    expect(rollout.phase).toBe('RolledBack');
    const [call] = calls;
    expect(call?.url).toBe('/api/v1/rollouts/r1/rollback');
    expect(call?.init.method).toBe('POST');
    expect(call?.init.body).toBe('{"reason":"p99 over budget"}');
    expect(call?.init.headers).toMatchObject({ 'content-type': 'application/json' });
  });

  it("turns the daemon's error shape into an ApiCallError with its code", async () => {
    const { fetch } = recording(() =>
      json({ code: 'rollout_not_active', message: 'already rolled back' }, 409),
    );
    const failure = await new ApiClient('t', { fetch }).act('r1', 'pause', 'x').catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApiCallError);
    expect(failure).toMatchObject({
      status: 409,
      code: 'rollout_not_active',
      message: 'already rolled back',
    });
  });

  it('tells the app when the daemon no longer accepts the token', async () => {
    let told = 0;
    const { fetch } = recording(() =>
      json({ code: 'unauthorized', message: 'a valid token is required' }, 401),
    );
    const client = new ApiClient('revoked', { fetch, onUnauthorized: () => told++ });
    await expect(client.packs()).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
    expect(told).toBe(1);
  });

  it('reports a network failure as network_error', async () => {
    const client = new ApiClient('t', {
      fetch: async () => {
        throw new TypeError('Failed to fetch');
      },
    });
    await expect(client.whoami()).rejects.toMatchObject({ status: 0, code: 'network_error' });
  });
});
