import { describe, expect, it } from 'vitest';
import { createTestDaemon } from '../testing/test-daemon.js';

describe('admin API error answers', () => {
  it('answers 400 invalid_body with the path of the offending field', async () => {
    const d = createTestDaemon();
    const res = await d.request('/api/v1/segments/internal', {
      method: 'PUT',
      json: { match: { plan: { in: 'x' } } },
    });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.code).toBe('invalid_body');
    expect(body.path.slice(0, 2)).toEqual(['match', 'plan']);
    expect(typeof body.message).toBe('string');
  });

  it('answers 400 invalid_body for a body that is not JSON', async () => {
    const d = createTestDaemon();
    const res = await d.request('/api/v1/segments/internal', {
      method: 'PUT',
      body: '{nope',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect((await res.json()).code).toBe('invalid_body');
  });

  it('reads YAML bodies where YAML is accepted', async () => {
    const d = createTestDaemon();
    const res = await d.request('/api/v1/segments/internal', {
      method: 'PUT',
      yaml: 'match:\n  plan: internal\n',
    });
    expect(res.status).toBe(201);
  });

  it('turns a YAML alias bomb into 400 instead of expanding it', async () => {
    const d = createTestDaemon();
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      lines.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    lines.push('match: *j');
    const res = await d.request('/api/v1/segments/boom', { method: 'PUT', yaml: lines.join('\n') });
    expect(res.status).toBe(400);
    expect((await res.json()).code).toBe('invalid_body');
  });

  it('answers 415 unsupported_media_type for another content type', async () => {
    const d = createTestDaemon();
    const res = await d.request('/api/v1/flags/x', {
      method: 'PUT',
      body: 'key=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(415);
    expect((await res.json()).code).toBe('unsupported_media_type');
  });

  it('answers 413 payload_too_large over the route limit', async () => {
    const d = createTestDaemon({ bodyLimitBytes: 1024 });
    const res = await d.request('/api/v1/segments/big', {
      method: 'PUT',
      json: { match: { plan: 'x'.repeat(4096) } },
    });
    expect(res.status).toBe(413);
    expect((await res.json()).code).toBe('payload_too_large');
  });

  it('answers 404 not_found as JSON for unknown paths and resources', async () => {
    const d = createTestDaemon();
    const res = await d.request('/api/v1/segments/nobody');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ code: 'not_found', message: expect.any(String) });
    expect((await d.request('/api/v1/nothing-here')).status).toBe(404);
  });

  it('validates the body before consulting state: invalid beats conflict', async () => {
    const d = createTestDaemon();
    d.ctx.store.flags.put(
      { key: 'owned', state: 'ENABLED', variants: { a: 'a' }, defaultVariant: 'a' },
      'some-pack',
      '2025-01-01T00:00:00Z',
    );
    const res = await d.request('/api/v1/flags/owned', { method: 'PUT', json: { state: 'SOMETIMES' } });
    expect(res.status).toBe(400);
  });
});
