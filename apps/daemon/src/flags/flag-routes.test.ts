import { describe, expect, it } from 'vitest';
import { createTestDaemon } from '../testing/test-daemon.js';

const killSwitch = {
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant: 'on',
  metadata: { team: 'payments' },
};

describe('plain flags', () => {
  it('creates with 201, replaces with 200, reads back with an ETag', async () => {
    const d = createTestDaemon();
    const created = await d.request('/api/v1/flags/checkout', { method: 'PUT', json: killSwitch });
    expect(created.status).toBe(201);
    const etag = created.headers.get('etag');
    expect(etag).toMatch(/^".+"$/);
    const replaced = await d.request('/api/v1/flags/checkout', {
      method: 'PUT',
      json: { ...killSwitch, defaultVariant: 'off' },
    });
    expect(replaced.status).toBe(200);
    const read = await d.request('/api/v1/flags/checkout', { as: 'read' });
    expect(await read.json()).toEqual({ key: 'checkout', ...killSwitch, defaultVariant: 'off' });
    expect(read.headers.get('etag')).toBe(replaced.headers.get('etag'));
    expect(read.headers.get('etag')).not.toBe(etag);
    const list = await d.request('/api/v1/flags', { as: 'read' });
    expect((await list.json()).map((f: { key: string }) => f.key)).toEqual(['checkout']);
  });

  it('answers 412 precondition_failed to a write with a stale If-Match', async () => {
    const d = createTestDaemon();
    const first = await d.request('/api/v1/flags/checkout', { method: 'PUT', json: killSwitch });
    const stale = first.headers.get('etag') ?? '';
    await d.request('/api/v1/flags/checkout', {
      method: 'PUT',
      json: { ...killSwitch, defaultVariant: 'off' },
    });
    const res = await d.request('/api/v1/flags/checkout', {
      method: 'PUT',
      json: killSwitch,
      headers: { 'if-match': stale },
    });
    expect(res.status).toBe(412);
    expect((await res.json()).code).toBe('precondition_failed');
    const del = await d.request('/api/v1/flags/checkout', {
      method: 'DELETE',
      headers: { 'if-match': stale },
    });
    expect(del.status).toBe(412);
    expect((await d.request('/api/v1/flags/checkout')).status).toBe(200);
  });

  it('accepts a write whose If-Match names the current ETag', async () => {
    const d = createTestDaemon();
    const first = await d.request('/api/v1/flags/checkout', { method: 'PUT', json: killSwitch });
    const res = await d.request('/api/v1/flags/checkout', {
      method: 'DELETE',
      headers: { 'if-match': first.headers.get('etag') ?? '' },
    });
    expect(res.status).toBe(204);
    expect((await d.request('/api/v1/flags/checkout')).status).toBe(404);
  });

  it("answers 409 owned_by_pack to writes of a pack's flag", async () => {
    const d = createTestDaemon();
    d.ctx.store.flags.put(
      { key: 'support-prompts', state: 'ENABLED', variants: { '2.3.1': '2.3.1' }, defaultVariant: '2.3.1' },
      'support-prompts',
      '2025-01-01T00:00:00Z',
    );
    const put = await d.request('/api/v1/flags/support-prompts', {
      method: 'PUT',
      json: { state: 'DISABLED', variants: { x: 'x' }, defaultVariant: 'x' },
    });
    expect(put.status).toBe(409);
    expect((await put.json()).code).toBe('owned_by_pack');
    const del = await d.request('/api/v1/flags/support-prompts', { method: 'DELETE' });
    expect(del.status).toBe(409);
    const read = await d.request('/api/v1/flags/support-prompts');
    expect((await read.json()).ownerPack).toBe('support-prompts');
  });

  it('answers 400 with the path for an invalid flag and for a key that differs from the path', async () => {
    const d = createTestDaemon();
    const bad = await d.request('/api/v1/flags/x', {
      method: 'PUT',
      json: { ...killSwitch, defaultVariant: 'missing' },
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).path).toEqual(['defaultVariant']);
    const other = await d.request('/api/v1/flags/x', { method: 'PUT', json: { key: 'y', ...killSwitch } });
    expect(other.status).toBe(400);
    expect((await other.json()).path).toEqual(['key']);
  });

  it('records every write in the audit log with the acting token and a new config revision', async () => {
    const d = createTestDaemon();
    await d.request('/api/v1/flags/checkout', { method: 'PUT', json: killSwitch });
    await d.request('/api/v1/flags/checkout', { method: 'DELETE' });
    const res = await d.request('/api/v1/audit', { as: 'read' });
    const { items, nextCursor } = await res.json();
    expect(items.map((i: { action: string }) => i.action)).toEqual(['flag.delete', 'flag.put']);
    expect(items[1]).toMatchObject({
      actor: 'test-admin',
      target: 'flag:checkout',
      before: null,
      revision: 1,
    });
    expect(items[1].after).toMatchObject({ key: 'checkout' });
    expect(items[0]).toMatchObject({ after: null, revision: 2 });
    expect(nextCursor).toBeNull();
  });
});

describe('audit paging', () => {
  it('pages newest first with a cursor and filters by pack', async () => {
    const d = createTestDaemon();
    for (const key of ['a', 'b', 'c'])
      await d.request(`/api/v1/flags/${key}`, { method: 'PUT', json: killSwitch });
    const first = await (await d.request('/api/v1/audit?limit=2')).json();
    expect(first.items.map((i: { target: string }) => i.target)).toEqual(['flag:c', 'flag:b']);
    const second = await (await d.request(`/api/v1/audit?limit=2&cursor=${first.nextCursor}`)).json();
    expect(second.items.map((i: { target: string }) => i.target)).toEqual(['flag:a']);
    expect(second.nextCursor).toBeNull();
    const byPack = await (await d.request('/api/v1/audit?pack=support-prompts')).json();
    expect(byPack.items).toEqual([]);
    expect((await d.request('/api/v1/audit?limit=0')).status).toBe(400);
  });
});
