import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Flag, FlagSet } from '@prompt-canary/rules';
import type { ProviderConfig } from '../provider-config.js';
import type { TrackEvent } from '../tracking-buffer.js';

/** One request the fake received, for assertions on headers such as `Last-Event-ID` and `If-None-Match`. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
}

/** Options of {@link startFakeSyncServer}. */
export interface FakeSyncServerOptions {
  /** The token the fake accepts. Default `'test-token'`. */
  token?: string;
  /** Initial flags. Default none. */
  flags?: FlagSet;
  /** Interval of `: ping` comments on open streams. Default 15 s. */
  pingIntervalMs?: number;
  /** Serve `/api/v1/sync`; when false it answers 404, as behind a proxy that strips streaming. Default true. */
  streaming?: boolean;
}

/**
 * An in-process stand-in for canaryd's provider surface on 127.0.0.1, speaking the contract of `API.md`:
 * `GET /api/v1/config` (ETag, 304), `GET /api/v1/sync` (SSE `event: config` with `id: <revision>`, the current
 * config on connect unless `Last-Event-ID` is already current, `: ping` comments), `POST /api/v1/track`, and 401
 * for a wrong token.
 */
export interface FakeSyncServer {
  /** `http://127.0.0.1:<port>`. */
  readonly baseUrl: string;
  /** The accepted token. */
  readonly token: string;
  /** The current config document. */
  readonly config: ProviderConfig;
  /** Every request received, oldest first. */
  readonly requests: ReadonlyArray<RecordedRequest>;
  /** Every event received on `POST /api/v1/track`. */
  readonly trackedEvents: ReadonlyArray<TrackEvent>;
  /** Number of open SSE streams. */
  readonly openStreams: number;
  /** Creates or replaces a flag, bumps the revision and pushes the config to open streams. */
  putFlag(flag: Flag): ProviderConfig;
  /** Replaces every flag, bumps the revision and pushes the config. */
  setFlags(flags: FlagSet): ProviderConfig;
  /**
   * Bumps the revision and pushes `streamed` to open streams while `GET /api/v1/config` answers `whole`: canaryd's
   * way with version bundles (a stream event carries only the bundles the previous one lacked).
   */
  publishDocument(streamed: Record<string, unknown>, whole: Record<string, unknown>): void;
  /** Turns the stream endpoint on or off (off: 404). */
  setStreaming(enabled: boolean): void;
  /** Status answered to `POST /api/v1/track` (default 202). */
  setTrackStatus(status: number): void;
  /** Stops listening and cuts every connection, as a daemon crash would; the port stays reserved for {@link up}. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  /** Stops for good. */
  close(): Promise<void>;
}

/** Starts a {@link FakeSyncServer} on an ephemeral port of 127.0.0.1. */
export async function startFakeSyncServer(options: FakeSyncServerOptions = {}): Promise<FakeSyncServer> {
  const token = options.token ?? 'test-token';
  const pingIntervalMs = options.pingIntervalMs ?? 15_000;
  let streaming = options.streaming ?? true;
  let trackStatus = 202;
  let config: ProviderConfig = { schemaVersion: 1, revision: 1, flags: { ...(options.flags ?? {}) } };
  /** What `GET /api/v1/config` answers when it differs from what streams were sent. */
  let whole: Record<string, unknown> | undefined;
  const requests: RecordedRequest[] = [];
  const trackedEvents: TrackEvent[] = [];
  const streams = new Set<ServerResponse>();
  const sockets = new Set<Socket>();

  const sendConfig = (res: ServerResponse): void => {
    res.write(`event: config\nid: ${config.revision}\ndata: ${JSON.stringify(config)}\n\n`);
  };

  const publish = (flags: FlagSet): ProviderConfig => {
    whole = undefined;
    config = { schemaVersion: 1, revision: Number(config.revision) + 1, flags };
    for (const res of streams) sendConfig(res);
    return config;
  };

  const json = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  const authorized = (req: IncomingMessage): boolean =>
    req.headers.authorization === `Bearer ${token}` || req.headers['x-api-key'] === token;

  const handle = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    requests.push({
      method: req.method ?? 'GET',
      path,
      headers: {
        'last-event-id': req.headers['last-event-id'] as string | undefined,
        'if-none-match': req.headers['if-none-match'],
        authorization: req.headers.authorization,
      },
    });
    if (!authorized(req)) {
      json(res, 401, { code: 'unauthorized', message: 'missing or unknown token' });
      return;
    }
    const etag = `"${config.revision}"`;
    if (req.method === 'GET' && path === '/api/v1/config') {
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, { etag });
        res.end();
        return;
      }
      json(res, 200, whole === undefined ? config : { ...whole, revision: config.revision }, { etag });
      return;
    }
    if (req.method === 'GET' && path === '/api/v1/sync' && streaming) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.flushHeaders();
      streams.add(res);
      const ping = setInterval(() => res.write(': ping\n\n'), pingIntervalMs);
      res.on('close', () => {
        clearInterval(ping);
        streams.delete(res);
      });
      if (req.headers['last-event-id'] !== String(config.revision)) sendConfig(res);
      return;
    }
    if (req.method === 'POST' && path === '/api/v1/track') {
      const parsed = JSON.parse(body) as { events: TrackEvent[] };
      trackedEvents.push(...parsed.events);
      json(res, trackStatus, { accepted: parsed.events.length });
      return;
    }
    json(res, 404, { code: 'not_found', message: `no route ${req.method} ${path}` });
  };

  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => handle(req, res, body));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      for (const res of streams) res.destroy();
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });

  const port = await listen(0);
  let listening = true;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    token,
    get config() {
      return config;
    },
    requests,
    trackedEvents,
    get openStreams() {
      return streams.size;
    },
    putFlag: (flag) => publish({ ...config.flags, [flag.key]: flag }),
    setFlags: (flags) => publish({ ...flags }),
    publishDocument: (streamed, wholeDocument) => {
      const revision = Number(config.revision) + 1;
      config = { ...(streamed as unknown as ProviderConfig), revision };
      for (const res of streams) sendConfig(res);
      whole = wholeDocument;
    },
    setStreaming: (enabled) => {
      streaming = enabled;
    },
    setTrackStatus: (status) => {
      trackStatus = status;
    },
    down: async () => {
      if (!listening) return;
      listening = false;
      await stop();
    },
    up: async () => {
      if (listening) return;
      await listen(port);
      listening = true;
    },
    close: async () => {
      if (!listening) return;
      listening = false;
      await stop();
    },
  };
}
