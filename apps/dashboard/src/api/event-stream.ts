import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { ApiClient } from './api-client.js';

/** What {@link followEvents} reports. */
export interface EventStreamHandlers {
  /** One server-sent event (`event` is `rollout` or `audit` from `/api/v1/events`). */
  onEvent(message: EventSourceMessage): void;
  /** `true` while the stream is open; `false` between reconnections. */
  onStatus?(connected: boolean): void;
  /** A 401/403: the token no longer works; the stream stops. */
  onDenied?(status: number): void;
}

/** Delay before the n-th reconnection attempt (from 0): 0.5 s doubling, at most 15 s. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(15_000, 500 * 2 ** Math.min(attempt, 5));
}

/**
 * Follows `GET /api/v1/events` with `fetch` (so the token travels in the `Authorization` header, which
 * `EventSource` cannot send), parses it with eventsource-parser, and reconnects with `Last-Event-ID` so that
 * nothing committed in between is missed. Returns a function that stops it.
 */
export function followEvents(client: ApiClient, handlers: EventStreamHandlers): () => void {
  const abort = new AbortController();
  let lastEventId: string | undefined;
  let attempt = 0;

  const parser = createParser({
    onEvent(message) {
      if (message.id) lastEventId = message.id;
      handlers.onEvent(message);
    },
  });

  const run = async (): Promise<void> => {
    while (!abort.signal.aborted) {
      try {
        const res = await client.request('/api/v1/events', {
          headers: { accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
          signal: abort.signal,
        });
        if (res.status === 401 || res.status === 403) {
          handlers.onDenied?.(res.status);
          return;
        }
        if (!res.ok || !res.body) throw new Error(`event stream answered ${res.status}`);
        attempt = 0;
        handlers.onStatus?.(true);
        parser.reset();
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
      } catch {
        // a dropped connection or an abort: reconnect below unless stopped
      }
      if (abort.signal.aborted) return;
      handlers.onStatus?.(false);
      await new Promise((resolve) => setTimeout(resolve, reconnectDelayMs(attempt++)));
    }
  };
  void run();
  return () => abort.abort();
}
