import { request, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { SSEStreamingApi } from 'hono/streaming';
import { describe, expect, it, vi } from 'vitest';
import { configFrame } from '../sync/config-routes.js';
import { createTestDaemon } from '../testing/test-daemon.js';
import { encodeSse, FrameFanOut, type SseEvent } from './event-stream.js';

/** What Hono's own `writeSSE` writes for `message`. */
async function honoBytes(message: SseEvent): Promise<Uint8Array> {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const api = new SSEStreamingApi(writable, readable);
  const reader = api.responseReadable.getReader();
  const read = reader.read();
  await api.writeSSE(message);
  const { value } = await read;
  return value ?? new Uint8Array();
}

describe('encodeSse', () => {
  it("writes exactly what Hono's writeSSE writes", async () => {
    const messages: SseEvent[] = [
      { event: 'config', id: '7', data: '{"a":1}' },
      { data: 'line one\nline two\r\nline three' },
      { event: 'message', id: '0', data: '', retry: 3000 },
    ];
    for (const message of messages) expect(encodeSse(message)).toEqual(await honoBytes(message));
    expect(() => encodeSse({ id: 'a\nb', data: 'x' })).toThrow();
  });
});

describe('FrameFanOut', () => {
  it('encodes once, delivers after the publishing call, in order, to those subscribed when published', async () => {
    let encoded = 0;
    const fanOut = new FrameFanOut((n: number) => {
      encoded++;
      return encodeSse({ data: String(n) });
    });
    const seen: Array<[string, Uint8Array]> = [];
    const stopA = fanOut.subscribe((frame, n) => seen.push([`a${n}`, frame]));
    fanOut.subscribe((frame, n) => seen.push([`b${n}`, frame]));
    fanOut.publish(1);
    fanOut.subscribe((_frame, n) => seen.push([`late${n}`, _frame]));
    fanOut.publish(2);
    expect(seen).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen.map(([who]) => who)).toEqual(['a1', 'b1', 'a2', 'b2', 'late2']);
    expect(seen[0]?.[1]).toBe(seen[1]?.[1]);
    expect(encoded).toBe(2);
    fanOut.publish(3);
    stopA();
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen.slice(5).map(([who]) => who)).toEqual(['b3', 'late3']);
  });
});

/** Opens `GET path` and collects the raw body text. */
function openStream(port: number, path: string, token: string) {
  let text = '';
  const req = request({ host: '127.0.0.1', port, path, headers: { authorization: `Bearer ${token}` } });
  const opened = new Promise<{ status: number; type: string }>((resolve, reject) => {
    req.on('response', (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('error', () => {});
      resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']) });
    });
    req.on('error', reject);
  });
  req.end();
  return { opened, text: () => text, close: () => req.destroy() };
}

async function until(check: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('event streams over a real Node server', () => {
  it('delivers one shared frame, byte for byte the same, to many subscribers, after the PUT is answered', async () => {
    const d = createTestDaemon();
    const write = vi.spyOn(ServerResponse.prototype, 'write');
    const server = serve({ fetch: d.app.fetch, hostname: '127.0.0.1', port: 0 });
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const streams = Array.from({ length: 40 }, () => openStream(port, '/api/v1/sync', d.tokens.evaluate));
      const ofrep = openStream(port, '/ofrep/v1/events', d.tokens.evaluate);
      for (const s of [...streams, ofrep]) {
        expect(await s.opened).toEqual({ status: 200, type: 'text/event-stream' });
      }
      await until(() => streams.every((s) => s.text().includes('id: 0\n\n')));
      const put = await fetch(`http://127.0.0.1:${port}/api/v1/flags/beta`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${d.tokens.admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' }),
      });
      expect(put.status).toBe(201);
      await until(() => streams.every((s) => s.text().includes('id: 1\n\n')));
      const expected = `${new TextDecoder().decode(encodeSse({ event: 'config', id: '0', data: '{"schemaVersion":1,"revision":0,"flags":{}}' }))}${new TextDecoder().decode(encodeSse({ event: 'config', id: '1', data: d.ctx.config.current().json }))}`;
      for (const s of streams) expect(s.text()).toBe(expected);
      await until(() => ofrep.text().includes('refetchEvaluation'));
      expect(ofrep.text()).toBe(
        `event: message\ndata: {"type":"refetchEvaluation","etag":${JSON.stringify(d.ctx.config.current().etag)}}\nid: 1\n\n`,
      );
      // Pings go the same way.
      d.clock.advance(15_000);
      await until(() => streams.every((s) => s.text().endsWith(': ping\n\n')));
      // Written straight to each Node response: one and the same Uint8Array for all 40.
      const frame = configFrame(d.ctx.config.current());
      expect(write.mock.calls.filter(([chunk]) => chunk === frame)).toHaveLength(40);
      for (const s of [...streams, ofrep]) s.close();
      const open = async () =>
        (await d.ctx.metrics.registry.getSingleMetricAsString('canaryd_sync_clients')) ?? '';
      let text = '';
      await until(() => {
        void open().then((t) => {
          text = t;
        });
        return text.includes('stream="config"} 0') && text.includes('stream="ofrep"} 0');
      });
    } finally {
      write.mockRestore();
      await d.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
