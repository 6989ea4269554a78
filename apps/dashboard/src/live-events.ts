import type { EventSourceMessage } from 'eventsource-parser';

/** A listener of {@link LiveEvents}. */
export type LiveListener = (message: EventSourceMessage) => void;

/** Fans the one event stream out to whichever page is showing. */
export class LiveEvents {
  readonly #listeners = new Set<LiveListener>();

  /** Adds a listener; returns its removal. */
  subscribe(listener: LiveListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Hands one message to every listener; a failing listener does not stop the others. */
  emit(message: EventSourceMessage): void {
    for (const listener of this.#listeners) {
      try {
        listener(message);
      } catch (err) {
        console.error('live event listener failed', err);
      }
    }
  }
}

/** The JSON payload of a message, or `undefined` when it is not JSON. */
export function payloadOf<T>(message: EventSourceMessage): T | undefined {
  try {
    return JSON.parse(message.data) as T;
  } catch {
    return undefined;
  }
}
