import { describe, expect, it } from 'vitest';
import { createTestDaemon } from '../testing/test-daemon.js';

describe('GET /openapi.json', () => {
  it('is open and describes the routes with the schemas that validate them', async () => {
    const d = createTestDaemon();
    const res = await d.request('/openapi.json', { as: null });
    expect(res.status).toBe(200);
    const doc = await res.json();
    expect(doc.openapi).toBe('3.1.0');
    const put = doc.paths['/api/v1/segments/{name}'].put;
    expect(put['x-scope']).toBe('admin');
    expect(Object.keys(put.requestBody.content)).toEqual(['application/json', 'application/yaml']);
    expect(put.requestBody.content['application/json'].schema.required).toEqual(['match']);
    const token = doc.paths['/api/v1/tokens'].post.requestBody.content['application/json'].schema;
    expect(token.properties.scopes.items.enum).toEqual(['evaluate', 'ingest', 'read', 'operate', 'admin']);
    expect(doc.paths['/api/v1/flags/{key}'].put.requestBody).toBeDefined();
    expect(doc.paths['/ofrep/v1/evaluate/flags/{key}'].post).toBeDefined();
  });

  it('documents the 503 of a refused write on every route that writes, and on no read', async () => {
    const d = createTestDaemon();
    const doc = await (await d.request('/openapi.json', { as: null })).json();
    const put = doc.paths['/api/v1/flags/{key}'].put.responses[503];
    expect(put.description).toMatch(/storage_busy .* storage_full/);
    expect(put.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
    expect(doc.paths['/api/v1/track'].post.responses[503]).toBeDefined();
    expect(doc.paths['/api/v1/flags/{key}'].get.responses[503]).toBeUndefined();
    expect(doc.paths['/ofrep/v1/evaluate/flags/{key}'].post.responses[503]).toBeUndefined();
  });
});
