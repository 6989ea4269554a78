import { ServerResponse } from 'node:http';
import type { Context } from 'hono';
import { type SSEStreamingApi, streamSSE } from 'hono/streaming';
import type { Clock } from '../clock/clock.js';

/** One server-sent event, its `data` already text. */
export interface SseEvent {
  event?: string;
  id?: string;
  data: string;
  retry?: number;
}

const encoder = new TextEncoder();
const PING = encoder.encode(': ping\n\n');

/**
 * An event as the bytes on the wire: exactly what Hono's `writeSSE` writes for the same message, built once, so
 * that one revision's event is encoded once and the same bytes go to every subscriber.
 */
export function encodeSse(message: SseEvent): Uint8Array {
  for (const key of ['event', 'id'] as const) {
    const value = message[key];
    if (value && /[\r\n]/.test(value)) throw new Error(`${key} must not contain "\\r" or "\\n"`);
  }
  const lines = message.data
    .split(/\r\n|\r|\n/)
    .map((line) => `data: ${line}`)
    .join('\n');
  const parts: string[] = [];
  if (message.event) parts.push(`event: ${message.event}`);
  parts.push(lines);
  if (message.id !== undefined) parts.push(`id: ${message.id}`);
  if (message.retry !== undefined) parts.push(`retry: ${message.retry}`);
  return encoder.encode(`${parts.join('\n')}\n\n`);
}

/** Where a stream's events go. Writes never block the caller: they are queued or handed to the socket. */
export interface EventSink {
  send(message: SseEvent): void;
  /** Writes an already encoded event ({@link encodeSse}); the bytes are shared, never changed. */
  write(frame: Uint8Array): void;
  /** Ends the stream from the server side. */
  close(): void;
}

/** Sets a stream up: send what the client needs first, subscribe to later events, return the unsubscribe. */
export type StreamSetup = (sink: EventSink) => (() => void) | undefined;

/**
 * Fans values out to many streams: each published value is encoded once, and delivered to every subscriber
 * after the publishing call stack has returned (`setImmediate`), so that the request that committed the change
 * is answered first rather than after a thousand writes. Values are delivered in publication order, to the
 * subscribers there were when they were published (like a synchronous listener) that are still subscribed.
 */
export class FrameFanOut<T> {
  readonly #encode: (value: T) => Uint8Array;
  readonly #targets = new Set<(frame: Uint8Array, value: T) => void>();
  #queue: Array<{ value: T; targets: Array<(frame: Uint8Array, value: T) => void> }> = [];
  #scheduled = false;

  constructor(encode: (value: T) => Uint8Array) {
    this.#encode = encode;
  }

  /** Queues `value` for every current subscriber (encoded once, when delivered). */
  publish(value: T): void {
    if (this.#targets.size === 0) return;
    this.#queue.push({ value, targets: [...this.#targets] });
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#deliver());
  }

  /** Receives every value published from now on, with its shared frame; returns the unsubscribe. */
  subscribe(target: (frame: Uint8Array, value: T) => void): () => void {
    this.#targets.add(target);
    return () => {
      this.#targets.delete(target);
    };
  }

  #deliver(): void {
    this.#scheduled = false;
    const queued = this.#queue;
    this.#queue = [];
    for (const { value, targets } of queued) {
      const frame = this.#encode(value);
      for (const target of targets) if (this.#targets.has(target)) target(frame, value);
    }
  }
}

/** The Node response under a request served by @hono/node-server over HTTP/1 (`c.env.outgoing`), if any. */
function nodeResponse(c: Context): ServerResponse | undefined {
  const env: unknown = c.env;
  if (typeof env !== 'object' || env === null || !('outgoing' in env)) return undefined;
  return env.outgoing instanceof ServerResponse ? env.outgoing : undefined;
}

/** Rounds of `setImmediate` a stream waits for its response head before writing through the web stream instead. */
const HEAD_WAIT_ROUNDS = 50;

/** What {@link OpenStreams} needs from the daemon (the app context satisfies it). */
export interface StreamDeps {
  readonly clock: Clock;
  readonly settings: { readonly streamPingMs: number };
  /** Counts open streams by kind (`canaryd_sync_clients`). */
  readonly metrics: {
    readonly syncClients: {
      set(labels: { stream: string }, value: number): void;
      inc(labels: { stream: string }): void;
      dec(labels: { stream: string }): void;
    };
  };
  /** Registers cleanup run at shutdown. */
  onClose(fn: () => void): void;
}

/**
 * The streams of one kind that are open, so that shutdown can end them (a long-lived response would otherwise
 * hold the server open) and `/metrics` can count them.
 *
 * The response is Hono's `streamSSE` (headers, the stream cap and abort handling see a normal streamed body).
 * Under @hono/node-server the events themselves are written to the Node response once its head is out
 * (`c.env.outgoing.write`, the same bytes and the same chunked framing), skipping the web streams that would
 * otherwise carry every event through two `ReadableStream`s and their promises per subscriber; the web stream
 * then only carries the end of the response. Elsewhere (`app.request` in tests) events go through the stream.
 */
export class OpenStreams {
  readonly #closers = new Set<() => void>();
  readonly #label: string;
  readonly #ctx: StreamDeps;

  constructor(ctx: StreamDeps, label: string) {
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
    const outgoing = nodeResponse(c);
    return streamSSE(c, async (stream) => this.#run(stream, setup, outgoing));
  }

  async #run(
    stream: SSEStreamingApi,
    setup: StreamSetup,
    outgoing: ServerResponse | undefined,
  ): Promise<void> {
    const { clock, metrics, settings } = this.#ctx;
    let queue: Promise<void> = Promise.resolve();
    let ended = false;
    let finish = () => {};
    const done = new Promise<void>((resolve) => {
      finish = () => {
        ended = true;
        resolve();
      };
    });
    const viaStream = (frame: Uint8Array) => {
      queue = queue.then(() => stream.write(frame).then(() => undefined)).catch(() => finish());
    };
    // Until the Node response's head is out, frames wait here; then they go to the socket, in order.
    let held: Uint8Array[] | undefined = outgoing === undefined ? undefined : [];
    let direct = false;
    const write = (frame: Uint8Array) => {
      if (ended) return;
      if (direct && outgoing !== undefined) {
        if (outgoing.destroyed || !outgoing.writable) finish();
        else outgoing.write(frame);
      } else if (held !== undefined) held.push(frame);
      else viaStream(frame);
    };
    if (outgoing !== undefined) {
      let rounds = 0;
      const waitForHead = () => {
        if (ended || held === undefined) return;
        if (outgoing.destroyed) return finish();
        const frames = held;
        if (
          outgoing.headersSent &&
          String(outgoing.getHeader('content-type')).startsWith('text/event-stream')
        ) {
          held = undefined;
          direct = true;
          for (const frame of frames) write(frame);
        } else if (outgoing.headersSent || ++rounds > HEAD_WAIT_ROUNDS) {
          // Not the head this stream expected (something answered differently): keep to the web stream.
          held = undefined;
          for (const frame of frames) viaStream(frame);
        } else setImmediate(waitForHead);
      };
      setImmediate(waitForHead);
      outgoing.once('close', () => finish());
    }
    const sink: EventSink = {
      send: (message) => write(encodeSse(message)),
      write,
      close: () => finish(),
    };
    let cancelPing = () => {};
    const ping = () => {
      write(PING);
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
