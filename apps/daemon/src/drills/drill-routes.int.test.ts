import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PACK, pack } from '../ingest/testing/live-rollout.js';
import { flagAttributes, keyValues, otlpTraces } from '../ingest/testing/otlp-json.js';
import { createTestDaemon, type TestDaemon } from '../testing/test-daemon.js';
import { verifyWebhook } from '../webhooks/sign-webhook.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function daemon(): TestDaemon {
  const d = createTestDaemon({}, undefined, { startController: false });
  cleanups.push(() => d.close());
  return d;
}

/** A request span from app instance `instance`, evaluated with config revision `revision`. */
async function span(d: TestDaemon, instance: string, revision: number): Promise<void> {
  const body = otlpTraces([
    {
      endMs: d.clock.now(),
      durationMs: 5,
      attributes: { ...flagAttributes(PACK, '2.3.1', 'STATIC'), 'feature_flag.version': String(revision) },
    },
  ]);
  for (const resource of body.resourceSpans) {
    resource.resource.attributes = keyValues({
      'service.name': 'support-agent',
      'service.instance.id': instance,
    });
  }
  const res = await d.request('/v1/traces', { method: 'POST', as: 'ingest', json: body });
  expect(res.status).toBe(200);
}

async function revision(d: TestDaemon): Promise<number> {
  return ((await (await d.request('/api/v1/config', { as: 'evaluate' })).json()) as { revision: number })
    .revision;
}

describe('POST /api/v1/packs/{name}/drill', () => {
  it('commits and pushes a revision, then reports which instances applied it; a silent one is named', async () => {
    const d = daemon();
    expect((await d.request(`/api/v1/packs/${PACK}`, { method: 'PUT', json: pack('2.3.1') })).status).toBe(
      201,
    );
    const before = await revision(d);
    await span(d, 'app-a', before);
    await span(d, 'app-b', before);

    const drill = d.request(`/api/v1/packs/${PACK}`.concat('/drill'), {
      method: 'POST',
      as: 'operate',
      json: { timeout: '2s', reason: 'monthly drill' },
    });
    // app-a picks the drill revision up; app-b never does.
    const deadline = Date.now() + 20_000;
    while ((await revision(d)) === before && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    await span(d, 'app-a', before + 1);
    const res = await drill;
    expect(res.status).toBe(200);
    const report = await res.json();
    expect(report.ok).toBe(false);
    expect(report.steps.map((s: { name: string }) => s.name)).toEqual([
      'committed',
      'pushed',
      'applied',
      'webhooks',
    ]);
    const [committed, pushed, applied, webhooks] = report.steps;
    expect(committed).toMatchObject({
      ok: true,
      detail: `revision ${before + 1} committed (audit pack.drill)`,
    });
    expect(pushed).toMatchObject({ ok: true });
    expect(applied.ok).toBe(false);
    expect(applied.detail).toContain(
      'applied by 1 of 2 app instances seen in the last hour; not applied: app-b',
    );
    expect(webhooks).toMatchObject({ ok: true, detail: 'no notify targets' });

    // Served values did not change; the audit log and the pack show the drill.
    const audit = await (await d.request(`/api/v1/audit?pack=${PACK}`, { as: 'read' })).json();
    expect(audit.items[0]).toMatchObject({
      action: 'pack.drill',
      reason: 'monthly drill',
      revision: before + 1,
    });
    const view = await (await d.request(`/api/v1/packs/${PACK}`, { as: 'read' })).json();
    expect(view.lastDrill).toMatchObject({ ok: false, revision: before + 1 });
    const metrics = await (await d.request('/metrics', { as: 'read' })).text();
    expect(metrics).toMatch(
      new RegExp(`canaryd_pack_last_drill_age_seconds\\{pack="${PACK}",ok="false"\\} \\d`),
    );

    // A pack deleted and created again under its name has not been drilled.
    expect((await d.request(`/api/v1/packs/${PACK}`, { method: 'DELETE' })).status).toBe(204);
    expect((await d.request(`/api/v1/packs/${PACK}`, { method: 'PUT', json: pack('2.3.1') })).status).toBe(
      201,
    );
    expect((await (await d.request(`/api/v1/packs/${PACK}`, { as: 'read' })).json()).lastDrill).toBeNull();
  });

  it('holds when every instance applied it and the webhook arrived, marked as a drill', async () => {
    const d = daemon();
    const received: Array<{ body: string; signature: string | undefined }> = [];
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const signature = req.headers['x-canary-signature'];
        received.push({
          body: Buffer.concat(chunks).toString(),
          signature: typeof signature === 'string' ? signature : undefined,
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const withNotify = pack('2.3.1', { notify: [{ url, secret: 'whsec' }] });
    expect((await d.request(`/api/v1/packs/${PACK}`, { method: 'PUT', json: withNotify })).status).toBe(201);
    const before = await revision(d);
    await span(d, 'app-a', before);
    const drill = d.request(`/api/v1/packs/${PACK}/drill`, { method: 'POST', as: 'operate' });
    const deadline = Date.now() + 20_000;
    while ((await revision(d)) === before && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    await span(d, 'app-a', before + 1);
    const report = await (await drill).json();
    expect(report.ok).toBe(true);
    expect(report.steps[2].detail).toBe('applied by 1 of 1 app instances seen in the last hour');
    expect(report.steps[3]).toMatchObject({ ok: true, detail: 'delivered to 1 of 1 targets' });
    expect(received).toHaveLength(1);
    expect(verifyWebhook(received[0]?.body ?? '', received[0]?.signature, 'whsec')).toBe(true);
    expect(JSON.parse(received[0]?.body ?? '{}')).toMatchObject({
      event: 'rollout.drill',
      pack: PACK,
      drill: true,
    });
  });

  it('is 404 for an unknown pack, 400 for a bad timeout, and needs the operate scope', async () => {
    const d = daemon();
    expect((await d.request('/api/v1/packs/nope/drill', { method: 'POST', as: 'operate' })).status).toBe(404);
    expect((await d.request(`/api/v1/packs/${PACK}`, { method: 'PUT', json: pack('2.3.1') })).status).toBe(
      201,
    );
    const bad = await d.request(`/api/v1/packs/${PACK}/drill`, {
      method: 'POST',
      as: 'operate',
      json: { timeout: 'x' },
    });
    expect(await bad.json()).toMatchObject({ code: 'invalid_body', path: ['timeout'] });
    expect((await d.request(`/api/v1/packs/${PACK}/drill`, { method: 'POST', as: 'read' })).status).toBe(403);
  });
});
