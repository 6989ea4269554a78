import { OpenFeature, ProviderEvents, ProviderFatalError } from '@openfeature/server-sdk';
import type { Flag } from '@prompt-canary/rules';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PromptCanaryProvider } from '../prompt-canary-provider.js';

/** A sync source under test: the fake, or a real canaryd. */
export interface SyncSourceHarness {
  /** Base URL of the source. */
  readonly baseUrl: string;
  /** A token with the `evaluate` scope. */
  readonly token: string;
  /** Creates or replaces a flag at the source; resolves once the source has accepted it. */
  putFlag(flag: Flag): Promise<void>;
  /** Releases the source. */
  close(): Promise<void>;
}

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function waitUntil(check: () => boolean, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function versionFlag(key: string, served: string): Flag {
  return {
    key,
    state: 'ENABLED',
    variants: { '2.3.1': '2.3.1', '2.4.0': '2.4.0' },
    defaultVariant: served,
  };
}

/**
 * The provider-facing contract of `GET /api/v1/config` and `GET /api/v1/sync`, run against any source: the fake in
 * this package's unit tests, the real canaryd in `test/`. Registers a vitest `describe` block.
 *
 * @example
 * ```ts
 * describeSyncContract('fake sync server', async () => {
 *   const fake = await startFakeSyncServer();
 *   return { baseUrl: fake.baseUrl, token: fake.token, putFlag: async (flag) => void fake.putFlag(flag), close: fake.close };
 * });
 * ```
 */
export function describeSyncContract(name: string, setup: () => Promise<SyncSourceHarness>): void {
  describe(`sync contract: ${name}`, () => {
    let source: SyncSourceHarness;
    const suffix = Math.random().toString(36).slice(2, 8);
    const key = `contract-${suffix}`;
    const providers: PromptCanaryProvider[] = [];
    const provider = (token?: string): PromptCanaryProvider => {
      const created = new PromptCanaryProvider({
        baseUrl: source.baseUrl,
        token: token ?? source.token,
        initTimeout: '5s',
        reconnectDelay: { initial: '50ms', max: '500ms' },
        tracking: false,
        logger: {
          error: () => undefined,
          warn: () => undefined,
          info: () => undefined,
          debug: () => undefined,
        },
      });
      providers.push(created);
      return created;
    };
    const auth = (): Record<string, string> => ({ authorization: `Bearer ${source.token}` });

    beforeAll(async () => {
      source = await setup();
      await source.putFlag(versionFlag(key, '2.3.1'));
    });
    afterAll(async () => {
      await Promise.all(providers.map((p) => p.onClose()));
      await source.close();
    });

    it('serves the snapshot with schemaVersion 1, a revision and an ETag, and 304 for that ETag', async () => {
      const first = await fetch(`${source.baseUrl}/api/v1/config`, { headers: auth() });
      expect(first.status).toBe(200);
      const body = (await first.json()) as {
        schemaVersion: number;
        revision: unknown;
        flags: Record<string, Flag>;
      };
      expect(body.schemaVersion).toBe(1);
      expect(['number', 'string']).toContain(typeof body.revision);
      expect(body.flags[key]?.variants).toEqual({ '2.3.1': '2.3.1', '2.4.0': '2.4.0' });
      const etag = first.headers.get('etag');
      expect(etag).toBeTruthy();
      const second = await fetch(`${source.baseUrl}/api/v1/config`, {
        headers: { ...auth(), 'if-none-match': etag ?? '' },
      });
      expect(second.status).toBe(304);
    });

    it('opens the stream with the current config as an `event: config` whose id is the revision', async () => {
      const controller = new AbortController();
      const response = await fetch(`${source.baseUrl}/api/v1/sync`, {
        headers: auth(),
        signal: controller.signal,
      });
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let text = '';
      while (!text.includes('\n\n')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
      controller.abort();
      expect(text).toMatch(/^event: ?config$/m);
      const id = /^id: ?(.+)$/m.exec(text)?.[1];
      const data = JSON.parse(/^data: ?(.+)$/m.exec(text)?.[1] ?? 'null') as { revision: unknown };
      expect(id).toBe(String(data.revision));
    });

    it('refuses a wrong token with a fatal error that says the token is wrong', async () => {
      const refused = provider('not-the-token');
      const failure = await refused.initialize().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(ProviderFatalError);
      expect((failure as Error).message).toMatch(/token is wrong/);
    });

    it('becomes ready through setProviderAndWait and serves the flag from local evaluation', async () => {
      const domain = `contract-ready-${suffix}`;
      await OpenFeature.setProviderAndWait(domain, provider());
      const client = OpenFeature.getClient(domain);
      const details = await client.getStringDetails(key, 'fallback', { targetingKey: 'unit-1' });
      expect(details.value).toBe('2.3.1');
      expect(details.variant).toBe('2.3.1');
      expect(details.errorCode).toBeUndefined();
      const missing = await client.getStringDetails(`${key}-missing`, 'fallback', { targetingKey: 'unit-1' });
      expect(missing).toMatchObject({ value: 'fallback', reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
      const mismatch = await client.getNumberDetails(key, 7, { targetingKey: 'unit-1' });
      expect(mismatch).toMatchObject({ value: 7, reason: 'ERROR', errorCode: 'TYPE_MISMATCH' });
    });

    it('pushes a change within a second, with configuration-changed naming the changed flag', async () => {
      const live = provider();
      await live.initialize();
      const changes: string[][] = [];
      live.events.addHandler(ProviderEvents.ConfigurationChanged, (details) => {
        const flags: unknown = details?.flagsChanged;
        changes.push(Array.isArray(flags) ? flags.map(String) : []);
      });
      const started = Date.now();
      await source.putFlag(versionFlag(key, '2.4.0'));
      await waitUntil(() => changes.some((keys) => keys.includes(key)), 1000, 'configuration-changed');
      expect(Date.now() - started).toBeLessThanOrEqual(1000);
      const details = await live.resolveStringEvaluation(key, 'fallback', { targetingKey: 'unit-1' });
      expect(details.value).toBe('2.4.0');
      expect(changes.flat()).not.toContain(`${key}-unrelated`);
    });
  });
}
