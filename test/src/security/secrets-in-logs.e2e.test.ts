import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../daemon-process.js';
import { RestartableDaemon } from '../reliability/restartable-daemon.js';

const WEBHOOK_SECRET = `whsec-${randomBytes(16).toString('hex')}`;
const WRONG_TOKEN = `pc_never-issued-${randomBytes(12).toString('hex')}`;

/** A loopback webhook receiver keeping each delivery's raw body and signature. */
async function receiver(): Promise<{
  server: Server;
  url: string;
  deliveries: Array<{ body: string; signature: string }>;
}> {
  const deliveries: Array<{ body: string; signature: string }> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      deliveries.push({ body, signature: String(req.headers['x-canary-signature'] ?? '') });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, deliveries };
}

let daemon: RestartableDaemon | undefined;
let hook: Server | undefined;
afterAll(async () => {
  await daemon?.kill();
  await new Promise((r) => hook?.close(r));
});

function pack(version: string, hookUrl: string) {
  return {
    apiVersion: 'promptcanary.dev/v1alpha1',
    kind: 'PromptPack',
    metadata: { name: 'secret-pack' },
    spec: {
      version,
      rollout: {
        canaryWeight: 10,
        stepWeight: 10,
        stepInterval: '1h',
        notify: [{ url: hookUrl, secret: WEBHOOK_SECRET }],
      },
    },
  };
}

describe('secrets in the structured log', () => {
  it('no token and no webhook secret appears in a debug-level log of a realistic session', async () => {
    const { server, url: hookUrl, deliveries } = await receiver();
    hook = server;
    daemon = new RestartableDaemon({
      port: await freePort(),
      db: ':memory:',
      env: { CANARYD_LOG_LEVEL: 'debug' },
    });
    const d = daemon;
    await d.start();
    const app = await d.token('app', ['evaluate', 'ingest']);
    const reader = await d.token('reader', ['read']);
    const operator = await d.token('operator', ['operate']);

    expect((await d.request('PUT', '/api/v1/packs/secret-pack', pack('1.0.0', hookUrl))).status).toBe(201);
    const started = await d.request('PUT', '/api/v1/packs/secret-pack', pack('2.0.0', hookUrl));
    expect(started.status).toBe(200);
    const rolloutId = ((await started.json()) as { rollout: { id: string } }).rollout.id;

    const ofrep = (headers: Record<string, string>) =>
      fetch(`${d.url}/ofrep/v1/evaluate/flags/secret-pack`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ context: { targetingKey: 'user-1' } }),
      });
    expect((await ofrep({ authorization: `Bearer ${app}` })).status).toBe(200);
    expect((await ofrep({ 'x-api-key': app })).status).toBe(200);
    expect((await ofrep({ authorization: `Bearer ${WRONG_TOKEN}` })).status).toBe(401);
    expect((await d.request('GET', '/api/v1/flags', undefined, WRONG_TOKEN)).status).toBe(401);
    expect((await d.request('PUT', '/api/v1/flags/x', {}, reader)).status).toBe(403);
    const track = await d.request(
      'POST',
      '/api/v1/track',
      {
        events: [
          { name: 'thumbs_up', flagKey: 'secret-pack', targetingKey: 'user-1', timestamp: Date.now() },
        ],
      },
      app,
    );
    expect(track.status).toBe(200);
    expect((await d.request('POST', '/v1/traces', { resourceSpans: [] }, app)).status).toBe(200);
    expect((await d.request('GET', '/api/v1/packs/secret-pack', undefined, reader)).status).toBe(200);
    expect((await d.request('GET', '/api/v1/audit', undefined, reader)).status).toBe(200);
    expect(
      (await d.request('POST', `/api/v1/rollouts/${rolloutId}/pause`, { reason: 'checking' }, operator))
        .status,
    ).toBe(200);
    expect((await d.request('DELETE', '/api/v1/tokens/reader')).status).toBeLessThan(300);

    // The signed notifications went out, and verify with the secret.
    const deadline = Date.now() + 10_000;
    while (deliveries.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(deliveries.length).toBeGreaterThanOrEqual(2);
    for (const { body, signature } of deliveries) {
      expect(signature).toBe(`sha256=${createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex')}`);
      expect(body).not.toContain(WEBHOOK_SECRET);
    }

    await d.kill('SIGTERM');
    const log = d.stdout;
    expect(log.split('\n').filter((l) => l.includes('"msg":"request"')).length).toBeGreaterThan(10);
    const secrets = {
      admin: d.adminToken,
      app,
      reader,
      operator,
      wrong: WRONG_TOKEN,
      webhook: WEBHOOK_SECRET,
    };
    for (const [name, secret] of Object.entries(secrets)) {
      expect(log.includes(secret), `${name} in stdout`).toBe(false);
      expect(d.stderr.includes(secret), `${name} in stderr`).toBe(false);
    }
  }, 60_000);
});
