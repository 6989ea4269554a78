import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { ApiFailure } from '../api/api-failure.js';
import type { CanaryClient } from '../api/canary-client.js';

/** Options of {@link followEvents}. */
export interface FollowOptions {
  /** Called with every event (`rollout` transitions and `audit` entries). */
  readonly onEvent: (event: EventSourceMessage) => void;
  /** Stops following; the promise then resolves. */
  readonly signal: AbortSignal;
  /** Wait before reconnecting after the stream ends or fails. */
  readonly retryMs?: number;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

/**
 * Follows `GET /api/v1/events` with `fetch` and the `Authorization` header (an `EventSource` cannot send one),
 * reconnecting with `Last-Event-ID` after the stream drops. A 401/403 ends it with the server's error: retrying
 * would not help. Resolves when `signal` aborts.
 */
export async function followEvents(client: CanaryClient, options: FollowOptions): Promise<void> {
  const { signal } = options;
  let lastEventId: string | undefined;
  while (!signal.aborted) {
    try {
      const response = await client.request('/api/v1/events', {
        signal,
        headers: { accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
      });
      const parser = createParser({
        onEvent: (event) => {
          if (event.id) lastEventId = event.id;
          options.onEvent(event);
        },
      });
      const body = response.body;
      if (!body) throw new ApiFailure('bad_response', 'the event stream has no body');
      const decoder = new TextDecoder();
      for await (const chunk of body as AsyncIterable<Uint8Array>) {
        parser.feed(decoder.decode(chunk, { stream: true }));
      }
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof ApiFailure && (error.status === 401 || error.status === 403)) throw error;
    }
    await sleep(options.retryMs ?? 1000, signal);
  }
}
