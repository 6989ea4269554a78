import { randomBytes } from 'node:crypto';
import { OpenFeature } from '@openfeature/server-sdk';
import { PromptCanaryProvider } from '@prompt-canary/openfeature-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../daemon-process.js';
import { quietLogger, testSchema } from './postgres-schema.js';
import { RestartableDaemon } from './restartable-daemon.js';

const schema = await testSchema('e2e');
const reason = schema.unavailable;

/** A password the logs must never show (the test server trusts local connections and ignores it). */
const PASSWORD = `pw-${randomBytes(8).toString('hex')}`;

/** The daemon's `--db`: the test server, in this file's own schema, with a password when the URL has none. */
function dbUrl(): string {
  const url = schema.url();
  if (url.password === '') url.password = PASSWORD;
  return url.toString();
}

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 25_000;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function pack(version: string) {
  return {
    apiVersion: 'promptcanary.dev/v1alpha1',
    kind: 'PromptPack',
    metadata: { name: 'support-prompts' },
    spec: { version },
  };
}

function flag(key: string) {
  return { key, state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' };
}

const suite = reason === null ? describe : process.env.CI === 'true' ? describe : describe.skip;
const title =
  reason === null || process.env.CI === 'true'
    ? 'canaryd on PostgreSQL'
    : `canaryd on PostgreSQL (skipped: ${reason}; CI=true requires it)`;

suite(title, () => {
  let daemon: RestartableDaemon | undefined;

  beforeAll(() => {
    // Under CI=true a missing server is a failure, not a skip.
    if (reason !== null) throw new Error(`${reason}; CI must start PostgreSQL (.ci/run does)`);
  });

  afterAll(async () => {
    await OpenFeature.close();
    await daemon?.kill();
    await schema.drop();
  });

  it('applies a pack a provider then reads; kill -9 during writes and a restart keep every acknowledged write', async () => {
    daemon = new RestartableDaemon({
      port: await freePort(),
      db: dbUrl(),
      env: { CANARYD_LOG_LEVEL: 'info' },
    });
    const d = daemon;
    await d.start();
    expect(await (await fetch(`${d.url}/readyz`)).json()).toMatchObject({ status: 'ready' });
    expect((await d.request('PUT', '/api/v1/packs/support-prompts', pack('1.0.0'))).status).toBe(201);

    const token = await d.token('app', ['evaluate']);
    const provider = new PromptCanaryProvider({ baseUrl: d.url, token, logger: quietLogger });
    await OpenFeature.setProviderAndWait('pg', provider);
    const client = OpenFeature.getClient('pg');
    expect(await client.getStringValue('support-prompts', 'fallback', { targetingKey: 'u1' })).toBe('1.0.0');

    // Writers put flags one after another until the kill; each 2xx is an acknowledged write that must survive.
    const acknowledged: string[] = [];
    let stop = false;
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const key = `w${w}-${i}`;
        try {
          const res = await d.request('PUT', `/api/v1/flags/${key}`, flag(key));
          if (res.ok) acknowledged.push(key);
          else await res.body?.cancel();
        } catch {
          // The connection died with the daemon: not acknowledged.
          return;
        }
      }
    });
    await until(
      async () => acknowledged.length,
      (n) => n >= 20,
      '20 acknowledged writes',
    );
    await d.kill('SIGKILL');
    stop = true;
    await Promise.all(writers);
    await d.start();

    const keys = await until(
      async () => {
        const res = await d.request('GET', '/api/v1/flags');
        return ((await res.json()) as Array<{ key: string }>).map((f) => f.key);
      },
      (list) => list.length > 0,
      'the flags after the restart',
    );
    expect(acknowledged.filter((key) => !keys.includes(key))).toEqual([]);

    // The provider reconnects to the restarted daemon and sees a change made after it.
    expect((await d.request('PUT', '/api/v1/flags/after-restart', flag('after-restart'))).ok).toBe(true);
    await until(
      () => client.getBooleanValue('after-restart', false),
      (value) => value,
      'the provider to serve the flag made after the restart',
    );
    expect(await client.getStringValue('support-prompts', 'fallback', { targetingKey: 'u1' })).toBe('1.0.0');

    // The log names the database without its password.
    const password = new URL(dbUrl()).password;
    expect(d.stdout).toContain('"db":"postgres://');
    expect(d.stdout + d.stderr).not.toContain(password);
  });
});
