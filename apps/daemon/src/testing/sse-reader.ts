/** One parsed server-sent event (or a comment, with `comment` set). */
export interface ReadEvent {
  event?: string;
  id?: string;
  data?: string;
  comment?: string;
}

/**
 * Reads server-sent events from a response body, for tests. `next()` waits for the next event (or comment) up
 * to a hang guard (15 s by default: a loaded CI machine is slow, a missing event is a bug either way);
 * `close()` cancels the stream.
 */
export function sseReader(res: Response): {
  next(timeoutMs?: number): Promise<ReadEvent>;
  close(): Promise<void>;
} {
  const body = res.body;
  if (!body) throw new Error('response has no body');
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const parse = (block: string): ReadEvent => {
    const ev: ReadEvent = {};
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) ev.comment = line.slice(1).trim();
      const m = /^(event|id|data): ?(.*)$/.exec(line);
      if (m?.[1] === 'data') ev.data = ev.data === undefined ? m[2] : `${ev.data}\n${m[2]}`;
      else if (m?.[1] === 'event' || m?.[1] === 'id') ev[m[1]] = m[2];
    }
    return ev;
  };
  return {
    async next(timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          return parse(block);
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error('no event in time');
        const chunk = await Promise.race([
          reader.read(),
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no event in time')), left)),
        ]);
        if (chunk.done) throw new Error('stream ended');
        buffer += chunk.value;
      }
    },
    async close() {
      await reader.cancel().catch(() => {});
    },
  };
}
