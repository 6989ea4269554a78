import type { Context } from 'hono';
import { type SSEMessage, type SSEStreamingApi, streamSSE } from 'hono/streaming';
import type { AppContext } from '../app-context.js';

/** Where a stream's events go. Writes are queued, so callers may send from synchronous listeners. */
export interface EventSink {
  send(message: SSEMessage): void;
  /** Ends the stream from the server side. */
  close(): void;
}

/** Sets a stream up: send what the client needs first, subscribe to later events, return the unsubscribe. */
export type StreamSetup = (sink: EventSink) => (() => void) | undefined;

/**
 * The streams of one kind that are open, so that shutdown can end them (a long-lived response would otherwise
 * hold the server open) and `/metrics` can count them.
 */
export class OpenStreams {
  readonly #closers = new Set<() => void>();
  readonly #label: string;
  readonly #ctx: AppContext;

  constructor(ctx: AppContext, label: string) {
    this.#ctx = ctx;
    this.#label = label;
    ctx.metrics.syncClients.set({ stream: label }, 0);
    ctx.onClose(() => this.closeAll());
  }

  /** How many streams are open. */
  get size(): number {
    return this.#closers.size;
  }

  /** Ends every open stream. */
  closeAll(): void {
    for (const close of [...this.#closers]) close();
  }

  /**
   * Answers `c` with a `text/event-stream` that stays open until the client leaves or the daemon shuts down,
   * with a `: ping` comment every `settings.streamPingMs`.
   */
  serve(c: Context, setup: StreamSetup): Response {
    c.header('Cache-Control', 'no-cache, no-transform');
    c.header('X-Accel-Buffering', 'no');
    return streamSSE(c, async (stream) => this.#run(stream, setup));
  }

  async #run(stream: SSEStreamingApi, setup: StreamSetup): Promise<void> {
    const { clock, metrics, settings } = this.#ctx;
    let queue: Promise<void> = Promise.resolve();
    let finish = () => {};
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const enqueue = (write: () => Promise<void>) => {
      queue = queue.then(write).catch(() => finish());
    };
    const sink: EventSink = {
      send: (message) => enqueue(() => stream.writeSSE(message)),
      close: () => finish(),
    };
    let cancelPing = () => {};
    const ping = () => {
      enqueue(() => stream.write(': ping\n\n').then(() => undefined));
      cancelPing = clock.setTimer(settings.streamPingMs, ping);
    };
    cancelPing = clock.setTimer(settings.streamPingMs, ping);
    stream.onAbort(() => finish());
    this.#closers.add(sink.close);
    metrics.syncClients.inc({ stream: this.#label });
    const unsubscribe = setup(sink);
    try {
      await done;
    } finally {
      unsubscribe?.();
      cancelPing();
      this.#closers.delete(sink.close);
      metrics.syncClients.dec({ stream: this.#label });
      await queue;
    }
  }
}
