import { describe, expect, it } from 'vitest';
import { ApiClient, type Fetch } from './api-client.js';
import { followEvents, reconnectDelayMs } from './event-stream.js';

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

describe('following /api/v1/events', () => {
  it('parses events split across chunks and reconnects with Last-Event-ID', async () => {
    const requests: Array<Record<string, string>> = [];
    const fetch: Fetch = async (_url, init = {}) => {
      requests.push(init.headers as Record<string, string>);
      if (requests.length === 1) {
        return new Response(
          streamOf([
            'event: rollout\nid: 7\nda',
            'ta: {"id":"r1","phase":"Paused"}\n\n: ping\n\n',
            'event: audit\nid: 8\ndata: {}\n\n',
          ]),
          { headers: { 'content-type': 'text/event-stream' } },
        );
      }
      return new Response(null, { status: 401 });
    };
    const events: Array<[string | undefined, string | undefined, string]> = [];
    const statuses: boolean[] = [];
    const denied = new Promise<number>((resolve) => {
      followEvents(new ApiClient('pc_secret', { fetch }), {
        onEvent: (m) => events.push([m.event, m.id, m.data]),
        onStatus: (s) => statuses.push(s),
        onDenied: resolve,
      });
    });
    expect(await denied).toBe(401);
    expect(events).toEqual([
      ['rollout', '7', '{"id":"r1","phase":"Paused"}'],
      ['audit', '8', '{}'],
    ]);
    expect(statuses).toEqual([true, false]);
    expect(requests[0]?.authorization).toBe('Bearer pc_secret');
    expect(requests[0]?.['last-event-id']).toBeUndefined();
    expect(requests[1]?.['last-event-id']).toBe('8');
  });

  it('stops when asked, without reconnecting', async () => {
    let calls = 0;
    const fetch: Fetch = (_url, init = {}) => {
      calls++;
      return new Promise((_resolve, reject) => {
        init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      });
    };
    const stop = followEvents(new ApiClient('t', { fetch }), { onEvent: () => {} });
    await new Promise((r) => setTimeout(r, 10));
    stop();
    await new Promise((r) => setTimeout(r, 700));
    expect(calls).toBe(1);
  });

  it('backs off from half a second up to 15 s', () => {
    expect([0, 1, 2, 3, 4, 5, 9].map(reconnectDelayMs)).toEqual([500, 1000, 2000, 4000, 8000, 15000, 15000]);
  });
});
