import { describe, expect, it } from 'vitest';
import { createTestDaemon } from '../testing/test-daemon.js';

const flag = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' };
const PATH = '/ofrep/v1/evaluate/flags/beta';

describe('the OFREP body limit', () => {
  const setUp = async () => {
    const d = createTestDaemon({ bodyLimitBytes: 256 });
    expect((await d.request('/api/v1/flags/beta', { method: 'PUT', json: flag })).status).toBe(201);
    return d;
  };
  const big = JSON.stringify({ context: { targetingKey: 'u', note: 'x'.repeat(1000) } });
  const small = JSON.stringify({ context: { targetingKey: 'u' } });

  it('answers a declared oversize body with 413 and no body, and evaluates a declared small one', async () => {
    const d = await setUp();
    const headers = (body: string) => ({
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
    });
    const refused = await d.request(PATH, {
      method: 'POST',
      as: 'evaluate',
      headers: headers(big),
      body: big,
    });
    expect(refused.status).toBe(413);
    expect(await refused.text()).toBe('');
    const served = await d.request(PATH, {
      method: 'POST',
      as: 'evaluate',
      headers: headers(small),
      body: small,
    });
    expect(served.status).toBe(200);
    expect((await served.json()).value).toBe(false);
  });

  it('counts a body without a declared length as it streams', async () => {
    const d = await setUp();
    const stream = (text: string) =>
      new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(text));
          controller.close();
        },
      });
    const init = (text: string) =>
      ({
        method: 'POST',
        as: 'evaluate',
        headers: { 'content-type': 'application/json' },
        body: stream(text),
        duplex: 'half',
      }) as const;
    expect((await d.request(PATH, init(big))).status).toBe(413);
    expect((await d.request(PATH, init(small))).status).toBe(200);
  });
});
