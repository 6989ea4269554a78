import { describe, expect, it } from 'vitest';
import { createTestDaemon } from '../testing/test-daemon.js';
import { createFirstAdminToken, ensureAdminToken } from './bootstrap-tokens.js';

describe('tokens', () => {
  it('shows a created token once, stores only its hash, and the token works at once', async () => {
    const d = createTestDaemon();
    const res = await d.request('/api/v1/tokens', {
      method: 'POST',
      json: { name: 'app', scopes: ['evaluate'] },
    });
    expect(res.status).toBe(201);
    const { token, ...rest } = await res.json();
    expect(rest).toEqual({ name: 'app', scopes: ['evaluate'] });
    expect(d.ctx.store.tokens.get('app')?.tokenHash).not.toContain(token);
    const list = await (await d.request('/api/v1/tokens')).json();
    expect(JSON.stringify(list)).not.toContain(token);
    expect((await d.request('/api/v1/config', { as: token })).status).toBe(200);
    expect((await d.request('/api/v1/flags', { as: token })).status).toBe(403);
    const audit = await (await d.request('/api/v1/audit')).json();
    expect(JSON.stringify(audit)).not.toContain(token);
  });

  it('revokes a token with immediate effect', async () => {
    const d = createTestDaemon();
    const { token } = await (
      await d.request('/api/v1/tokens', { method: 'POST', json: { name: 'tmp', scopes: ['read'] } })
    ).json();
    expect((await d.request('/api/v1/tokens/tmp', { method: 'DELETE' })).status).toBe(204);
    expect((await d.request('/api/v1/flags', { as: token })).status).toBe(401);
    expect((await d.request('/api/v1/tokens/tmp', { method: 'DELETE' })).status).toBe(404);
  });

  it('answers 409 to a second token of the same name and 400 to an unknown scope', async () => {
    const d = createTestDaemon();
    await d.request('/api/v1/tokens', { method: 'POST', json: { name: 'x', scopes: ['read'] } });
    const again = await d.request('/api/v1/tokens', {
      method: 'POST',
      json: { name: 'x', scopes: ['read'] },
    });
    expect(again.status).toBe(409);
    const bad = await d.request('/api/v1/tokens', { method: 'POST', json: { name: 'y', scopes: ['root'] } });
    expect(bad.status).toBe(400);
    expect((await bad.json()).path).toEqual(['scopes', 0]);
  });

  it('makes CANARYD_ADMIN_TOKEN an admin token, harmlessly on a restart', async () => {
    const d = createTestDaemon();
    ensureAdminToken(d.ctx, 'a-very-long-admin-token');
    ensureAdminToken(d.ctx, 'a-very-long-admin-token');
    d.ctx.auth.invalidate();
    expect((await d.request('/api/v1/tokens', { as: 'a-very-long-admin-token' })).status).toBe(200);
    const audit = await (await d.request('/api/v1/audit')).json();
    expect(audit.items.filter((i: { target: string }) => i.target === 'token:admin')).toHaveLength(1);
  });

  it('creates a first admin token only when there is no token at all', () => {
    const d = createTestDaemon();
    expect(createFirstAdminToken(d.ctx)).toBeUndefined();
    for (const t of d.ctx.store.tokens.list()) d.ctx.store.tokens.delete(t.name);
    const token = createFirstAdminToken(d.ctx);
    expect(token).toMatch(/^pc_/);
    expect(createFirstAdminToken(d.ctx)).toBeUndefined();
  });
});
