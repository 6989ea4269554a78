import { describe, expect, it } from 'vitest';
import { sseReader } from '../testing/sse-reader.js';
import { createTestDaemon } from '../testing/test-daemon.js';

describe('operations endpoints', () => {
  it('answers /healthz and /readyz without a token, and /readyz 503 once shutting down', async () => {
    const d = createTestDaemon();
    expect((await d.request('/healthz', { as: null })).status).toBe(200);
    const ready = await d.request('/readyz', { as: null });
    expect(await ready.json()).toEqual({ status: 'ready', revision: 0 });
    await d.close();
    expect((await d.request('/readyz', { as: null })).status).toBe(503);
  });

  it('exports requests, latency, evaluations, sync clients and the config revision', async () => {
    const d = createTestDaemon();
    await d.request('/api/v1/flags/beta', {
      method: 'PUT',
      json: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
    });
    await d.request('/ofrep/v1/evaluate/flags/beta', {
      method: 'POST',
      as: 'evaluate',
      json: { context: {} },
    });
    const stream = sseReader(await d.request('/api/v1/sync', { as: 'evaluate' }));
    await stream.next();
    const res = await d.request('/metrics', { as: 'read' });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain(
      'canaryd_http_requests_total{method="PUT",route="/api/v1/flags/:key",status="201"} 1',
    );
    expect(text).toContain('canaryd_http_request_duration_seconds_bucket');
    expect(text).toContain('canaryd_evaluations_total{flag="beta",variant="on",reason="STATIC"} 1');
    expect(text).toContain('canaryd_sync_clients{stream="config"} 1');
    expect(text).toContain('canaryd_config_revision 1');
    await stream.close();
  });
});
