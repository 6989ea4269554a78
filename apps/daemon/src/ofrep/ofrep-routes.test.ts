import { compileFlagSet, type Flag } from '@prompt-canary/rules';
import { describe, expect, it } from 'vitest';
import { sseReader } from '../testing/sse-reader.js';
import { createTestDaemon } from '../testing/test-daemon.js';

const prompts: Flag = {
  key: 'support-prompts',
  state: 'ENABLED',
  variants: { '2.3.1': '2.3.1', '2.4.0': '2.4.0' },
  defaultVariant: '2.3.1',
  rules: [
    {
      serve: {
        split: {
          arms: [
            { variant: '2.4.0', weight: 30 },
            { variant: '2.3.1', weight: 70 },
          ],
        },
      },
    },
  ],
  metadata: { team: 'support' },
};

async function daemonWith(...flags: Flag[]) {
  const d = createTestDaemon();
  for (const { key, ...rest } of flags) {
    const res = await d.request(`/api/v1/flags/${key}`, { method: 'PUT', json: rest });
    expect(res.status).toBe(201);
  }
  return d;
}

function evaluate(d: Awaited<ReturnType<typeof daemonWith>>, key: string, body: unknown) {
  return d.request(`/ofrep/v1/evaluate/flags/${key}`, {
    method: 'POST',
    as: 'evaluate',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
}

describe('OFREP single evaluation', () => {
  it('resolves with value, variant, reason and metadata, as the in-process evaluator does', async () => {
    const d = await daemonWith(prompts);
    const local = compileFlagSet([prompts]);
    for (const user of ['u1', 'u2', 'u3', 'u4', 'u5', 'u6']) {
      const res = await evaluate(d, 'support-prompts', { context: { targetingKey: user } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
      const expected = local.evaluate('support-prompts', { targetingKey: user }, d.clock.now());
      expect(await res.json()).toEqual({
        key: 'support-prompts',
        value: expected.value,
        variant: expected.variant,
        reason: 'SPLIT',
        metadata: { team: 'support' },
      });
    }
  });

  it('evaluates a context without targetingKey: the default variant with reason DEFAULT', async () => {
    const d = await daemonWith(prompts);
    const res = await evaluate(d, 'support-prompts', { context: {} });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ value: '2.3.1', variant: '2.3.1', reason: 'DEFAULT' });
  });

  it('omits value for a disabled flag, where the caller default applies', async () => {
    const d = await daemonWith({ ...prompts, key: 'off', state: 'DISABLED' });
    const body = await (await evaluate(d, 'off', { context: { targetingKey: 'u' } })).json();
    expect(body.reason).toBe('DISABLED');
    expect(body).not.toHaveProperty('value');
  });

  it('answers 404 FLAG_NOT_FOUND for an unknown flag', async () => {
    const d = await daemonWith();
    const res = await evaluate(d, 'nope', { context: { targetingKey: 'u' } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      key: 'nope',
      errorCode: 'FLAG_NOT_FOUND',
      errorDetails: expect.any(String),
    });
  });

  it('answers 400 PARSE_ERROR for a body that is not JSON', async () => {
    const d = await daemonWith(prompts);
    const res = await evaluate(d, 'support-prompts', '{');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ key: 'support-prompts', errorCode: 'PARSE_ERROR' });
  });

  it('answers 400 INVALID_CONTEXT for a context that is not an object or a non-string targetingKey', async () => {
    const d = await daemonWith(prompts);
    for (const body of [{ context: 'x' }, { context: [1] }, { context: { targetingKey: 42 } }]) {
      const res = await evaluate(d, 'support-prompts', body);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ key: 'support-prompts', errorCode: 'INVALID_CONTEXT' });
    }
  });

  it('serves the new config as soon as a change commits', async () => {
    const d = await daemonWith(prompts);
    await d.request('/api/v1/flags/support-prompts', {
      method: 'PUT',
      json: { ...prompts, rules: [], defaultVariant: '2.4.0' },
    });
    const body = await (await evaluate(d, 'support-prompts', { context: { targetingKey: 'u1' } })).json();
    expect(body).toMatchObject({ value: '2.4.0', reason: 'STATIC' });
  });
});

describe('OFREP bulk evaluation', () => {
  it('evaluates every flag, carries an ETag and an SSE event stream, and answers 304 on If-None-Match', async () => {
    const d = await daemonWith(prompts, { ...prompts, key: 'off', state: 'DISABLED' });
    const bulk = (headers: Record<string, string> = {}) =>
      d.request('/ofrep/v1/evaluate/flags', {
        method: 'POST',
        as: 'evaluate',
        body: JSON.stringify({ context: { targetingKey: 'u1' } }),
        headers: { 'content-type': 'application/json', ...headers },
      });
    const res = await bulk();
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.flags.map((f: { key: string }) => f.key).sort()).toEqual(['off', 'support-prompts']);
    expect(body.eventStreams).toEqual([
      { type: 'sse', endpoint: { requestUri: '/ofrep/v1/events' }, inactivityDelaySec: 120 },
    ]);
    const etag = res.headers.get('etag') ?? '';
    expect((await bulk({ 'if-none-match': etag })).status).toBe(304);
    await d.request('/api/v1/flags/off', { method: 'DELETE' });
    expect((await bulk({ 'if-none-match': etag })).status).toBe(200);
  });

  it('answers 400 INVALID_CONTEXT without a key for a bad context', async () => {
    const d = await daemonWith(prompts);
    const res = await d.request('/ofrep/v1/evaluate/flags', {
      method: 'POST',
      as: 'evaluate',
      json: { context: 3 },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errorCode: 'INVALID_CONTEXT' });
  });

  it('sends refetchEvaluation notices on the advertised stream when the config changes', async () => {
    const d = await daemonWith(prompts);
    const events = sseReader(await d.request('/ofrep/v1/events', { as: 'evaluate' }));
    await d.request('/api/v1/flags/support-prompts', { method: 'DELETE' });
    const ev = await events.next();
    expect(ev.event).toBe('message');
    expect(ev.id).toBe('2');
    expect(JSON.parse(ev.data ?? '')).toEqual({ type: 'refetchEvaluation', etag: expect.any(String) });
    await events.close();
  });
});
