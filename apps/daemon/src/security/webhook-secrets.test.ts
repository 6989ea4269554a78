import { describe, expect, it } from 'vitest';
import { sseReader } from '../testing/sse-reader.js';
import { createTestDaemon } from '../testing/test-daemon.js';
import { REDACTED, redactSecrets } from './redact-secrets.js';

const SECRET = 'whsec-do-not-show-0123456789';

function pack(version: string) {
  return {
    apiVersion: 'promptcanary.dev/v1alpha1',
    kind: 'PromptPack',
    metadata: { name: 'hooked' },
    spec: {
      version,
      rollout: {
        canaryWeight: 10,
        stepWeight: 10,
        stepInterval: '1h',
        notify: [{ url: 'http://127.0.0.1:9/hook', secret: SECRET }],
      },
    },
  };
}

describe('webhook secrets', () => {
  it('are replaced wherever a secret key holds a string', () => {
    expect(redactSecrets({ a: [{ secret: 'x', url: 'u' }], secret: 3 })).toEqual({
      a: [{ secret: REDACTED, url: 'u' }],
      secret: 3,
    });
  });

  it('are not shown to read or operate tokens: packs, rollouts, audit and the event stream', async () => {
    const d = createTestDaemon();
    const events = sseReader(await d.request('/api/v1/events', { as: 'read' }));
    expect((await d.request('/api/v1/packs/hooked', { method: 'PUT', json: pack('1.0.0') })).status).toBe(
      201,
    );
    const started = await d.request('/api/v1/packs/hooked', { method: 'PUT', json: pack('2.0.0') });
    const id = (await started.json()).rollout.id as string;
    const paths = [
      '/api/v1/packs',
      '/api/v1/packs/hooked',
      `/api/v1/rollouts/${id}`,
      '/api/v1/audit',
      '/api/v1/rollouts',
    ];
    for (const as of ['read', 'operate'] as const) {
      for (const path of paths) {
        const res = await d.request(path, { as });
        expect(res.status, path).toBe(200);
        expect(await res.text(), `${path} as ${as}`).not.toContain(SECRET);
      }
    }
    const shown = await (await d.request('/api/v1/packs/hooked', { as: 'read' })).json();
    expect(shown.spec.rollout.notify[0]).toEqual({ url: 'http://127.0.0.1:9/hook', secret: REDACTED });
    const streamed: string[] = [];
    for (;;) {
      const event = await events.next(300).catch(() => undefined);
      if (event === undefined) break;
      streamed.push(event.data ?? '');
    }
    expect(streamed.length).toBeGreaterThanOrEqual(2);
    expect(streamed.join('\n')).not.toContain(SECRET);
    await events.close();
  });

  it('are shown to admins, who write packs, so that a pack read back and applied again keeps its secret', async () => {
    const d = createTestDaemon();
    await d.request('/api/v1/packs/hooked', { method: 'PUT', json: pack('1.0.0') });
    const res = await d.request('/api/v1/packs/hooked', { as: 'admin' });
    expect((await res.json()).spec.rollout.notify[0].secret).toBe(SECRET);
    // The audit log never holds it, whoever reads it.
    expect(await (await d.request('/api/v1/audit', { as: 'admin' })).text()).not.toContain(SECRET);
  });
});
