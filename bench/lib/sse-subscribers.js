// A child process holding COUNT subscribers to canaryd's `GET /api/v1/sync` (plain node:http, one socket each).
// Each subscriber parses the event stream and notes, per `event: config`, its `id` (the revision) and the time it
// was read (performance.timeOrigin + performance.now(), comparable across processes on one machine). Driven over
// IPC by bench/daemon-sync-fanout.bench.js:
//   → { type: 'await', after: R, timeoutMs }   ← { type: 'received', revision, times: [ms, …], missing }
//   → { type: 'stop' }

import http from 'node:http';

const { SYNC_URL, SYNC_TOKEN } = process.env;
const COUNT = Number(process.env.SYNC_COUNT ?? 500);
const BATCH = 50; // connections opened at once, so the listen backlog never overflows

const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
const now = () => performance.timeOrigin + performance.now();

/** Per subscriber: the latest config revision seen and, per revision, when it arrived. */
const subscribers = [];
const requests = [];
let waiting; // { after, resolve }

function check() {
  if (!waiting) return;
  if (subscribers.every((s) => s.latest > waiting.after)) {
    const done = waiting;
    waiting = undefined;
    done.resolve();
  }
}

function subscribe(index) {
  const state = { latest: -1, arrivals: new Map(), buffer: '', connected: false, status: 0 };
  subscribers[index] = state;
  return new Promise((resolve, reject) => {
    const request = http.get(
      SYNC_URL,
      { agent, headers: { authorization: `Bearer ${SYNC_TOKEN}`, accept: 'text/event-stream' } },
      (response) => {
        state.status = response.statusCode ?? 0;
        if (response.statusCode !== 200) {
          reject(new Error(`subscriber ${index}: ${response.statusCode}`));
          response.resume();
          return;
        }
        response.setEncoding('utf8');
        response.on('data', (chunk) => {
          const at = now();
          state.buffer += chunk;
          let end = state.buffer.indexOf('\n\n');
          while (end >= 0) {
            const block = state.buffer.slice(0, end);
            state.buffer = state.buffer.slice(end + 2);
            end = state.buffer.indexOf('\n\n');
            let event = 'message';
            let id;
            for (const line of block.split('\n')) {
              if (line.startsWith('event:')) event = line.slice(6).trim();
              else if (line.startsWith('id:')) id = Number(line.slice(3).trim());
            }
            if (event === 'config' && id !== undefined) {
              if (!state.arrivals.has(id)) state.arrivals.set(id, at);
              if (id > state.latest) state.latest = id;
              if (!state.connected) {
                state.connected = true;
                resolve();
              }
            }
          }
          check();
        });
      },
    );
    request.on('error', (error) => {
      if (!state.connected) reject(error);
    });
    requests.push(request);
  });
}

async function main() {
  for (let start = 0; start < COUNT; start += BATCH) {
    await Promise.all(Array.from({ length: Math.min(BATCH, COUNT - start) }, (_, k) => subscribe(start + k)));
  }
  const revision = Math.min(...subscribers.map((s) => s.latest));
  process.send({ type: 'ready', count: COUNT, revision });
}

process.on('message', (message) => {
  if (message.type === 'await') {
    const { after, timeoutMs } = message;
    new Promise((resolve) => {
      waiting = { after, resolve };
      check();
      setTimeout(resolve, timeoutMs).unref();
    }).then(() => {
      waiting = undefined;
      const times = [];
      let missing = 0;
      let revision = -1;
      for (const s of subscribers) {
        // The first revision after `after` that this subscriber read.
        let first;
        for (const [id, at] of s.arrivals) {
          if (id > after && (first === undefined || id < first[0])) first = [id, at];
        }
        if (first === undefined) missing += 1;
        else {
          times.push(first[1]);
          revision = Math.max(revision, first[0]);
        }
        // Forget what is no longer needed (bounded memory over many rounds).
        for (const id of [...s.arrivals.keys()]) if (id <= after) s.arrivals.delete(id);
      }
      process.send({ type: 'received', revision, times, missing });
    });
  } else if (message.type === 'stop') {
    for (const request of requests) request.destroy();
    agent.destroy();
    process.disconnect();
  }
});

main().catch((error) => {
  process.send({ type: 'error', message: String(error?.stack ?? error) });
  process.exitCode = 1;
  process.disconnect();
});
