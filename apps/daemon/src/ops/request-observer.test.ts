import { describe, expect, it } from 'vitest';
import { createTestDaemon } from '../testing/test-daemon.js';

describe('request ids', () => {
  it('gives every admin request an id, and keeps a sane one the client sent', async () => {
    const d = createTestDaemon();
    const generated = await d.request('/api/v1/flags');
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await d.request('/api/v1/flags', { headers: { 'x-request-id': 'abc-123' } });
    expect(kept.headers.get('x-request-id')).toBe('abc-123');
    const insane = await d.request('/api/v1/flags', { headers: { 'x-request-id': 'a b' } });
    expect(insane.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('on a hot path, echoes the client id but generates none unless the request is logged', async () => {
    const d = createTestDaemon();
    const ofrep = (headers: Record<string, string> = {}) =>
      d.request('/ofrep/v1/evaluate/flags', {
        method: 'POST',
        as: 'evaluate',
        headers,
        json: { context: {} },
      });
    const plain = await ofrep();
    expect(plain.status).toBe(200);
    expect(plain.headers.get('x-request-id')).toBeNull();
    const given = await ofrep({ 'x-request-id': 'trace-7' });
    expect(given.headers.get('x-request-id')).toBe('trace-7');
  });
});
