import { describe, expect, it } from 'vitest';
import { createTestDaemon } from '../testing/test-daemon.js';

const span = (attributes: object[]) => ({
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  name: 'chat',
  startTimeUnixNano: '1700000000000000000',
  endTimeUnixNano: '1700000000120000000',
  attributes,
});
const body = JSON.stringify({
  resourceSpans: [
    {
      scopeSpans: [
        {
          spans: [span([{ key: 'feature_flag.key', value: { stringValue: 'support-prompt' } }]), span([])],
        },
      ],
    },
  ],
});
const headers = { 'content-type': 'application/json' };

describe('the OTLP receiver in the daemon', () => {
  it('needs a token with the ingest scope', async () => {
    const d = createTestDaemon();
    const anonymous = await d.request('/v1/traces', { method: 'POST', as: null, headers, body });
    expect(anonymous.status).toBe(401);
    const evaluateOnly = await d.request('/v1/traces', { method: 'POST', as: 'evaluate', headers, body });
    expect(evaluateOnly.status).toBe(403);
    const ingest = await d.request('/v1/traces', { method: 'POST', as: 'ingest', headers, body });
    expect(ingest.status).toBe(200);
    expect(await ingest.json()).toEqual({});
  });

  it('counts accepted and ignored spans on /metrics', async () => {
    const d = createTestDaemon();
    await d.request('/v1/traces', { method: 'POST', as: 'ingest', headers, body });
    const metrics = await (await d.request('/metrics', { as: 'read' })).text();
    expect(metrics).toContain('canaryd_otlp_items_total{signal="spans",outcome="accepted"} 1');
    expect(metrics).toContain('canaryd_otlp_items_total{signal="spans",outcome="ignored"} 1');
  });
});
