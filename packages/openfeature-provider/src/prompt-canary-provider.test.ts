import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type EventDetails,
  OpenFeature,
  ProviderEvents,
  ProviderNotReadyError,
  ProviderStatus,
} from '@openfeature/server-sdk';
import type { Flag } from '@prompt-canary/rules';
import { afterEach, describe, expect, it } from 'vitest';
import { configFile } from './config-file.js';
import { PromptCanaryProvider } from './prompt-canary-provider.js';
import type { PromptCanaryProviderOptions } from './provider-options.js';
import { type FakeSyncServer, startFakeSyncServer } from './testing/fake-sync-server.js';
import { ManualClock } from './testing/manual-clock.js';
import { waitUntil } from './testing/sync-contract-suite.js';

const quiet = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
};

/** A pack-compiled flag: 10% canary split with rollout metadata. */
function rolloutFlag(canaryWeight = 10): Flag {
  return {
    key: 'support-prompts',
    state: 'ENABLED',
    variants: { '2.3.1': '2.3.1', '2.4.0': '2.4.0' },
    defaultVariant: '2.3.1',
    rules: [
      {
        serve: {
          split: {
            arms: [
              { variant: '2.4.0', weight: canaryWeight },
              { variant: '2.3.1', weight: 100 - canaryWeight },
            ],
          },
        },
      },
    ],
    metadata: { pack: 'support-prompts', rolloutId: 'r-1', stableVersion: '2.3.1', canaryVersion: '2.4.0' },
  };
}

const plainFlag: Flag = {
  key: 'greeting',
  state: 'ENABLED',
  variants: { formal: 'Good day', casual: 'Hi' },
  defaultVariant: 'formal',
};

const servers: FakeSyncServer[] = [];
const providers: PromptCanaryProvider[] = [];

async function fake(streaming = true): Promise<FakeSyncServer> {
  const server = await startFakeSyncServer({
    flags: { 'support-prompts': rolloutFlag(), greeting: plainFlag },
    streaming,
  });
  servers.push(server);
  return server;
}

function providerFor(
  server: FakeSyncServer,
  options: Partial<PromptCanaryProviderOptions> = {},
): PromptCanaryProvider {
  const provider = new PromptCanaryProvider({
    baseUrl: server.baseUrl,
    token: server.token,
    reconnectDelay: { initial: '20ms', max: '100ms' },
    errorGracePeriod: '300ms',
    initTimeout: '2s',
    tracking: false,
    logger: quiet,
    ...options,
  });
  providers.push(provider);
  return provider;
}

function recordEvents(
  provider: PromptCanaryProvider,
): Array<{ type: ProviderEvents; details?: EventDetails }> {
  const seen: Array<{ type: ProviderEvents; details?: EventDetails }> = [];
  for (const type of [
    ProviderEvents.Ready,
    ProviderEvents.Stale,
    ProviderEvents.Error,
    ProviderEvents.ConfigurationChanged,
  ]) {
    provider.events.addHandler(type, (details) => {
      seen.push(details === undefined ? { type } : { type, details });
    });
  }
  return seen;
}

/** A unit that lands in the 10% canary arm, found by trying targeting keys. */
async function canaryUnit(provider: PromptCanaryProvider): Promise<string> {
  for (let i = 0; i < 1000; i++) {
    const details = await provider.resolveStringEvaluation('support-prompts', 'x', {
      targetingKey: `unit-${i}`,
    });
    if (details.variant === '2.4.0') return `unit-${i}`;
  }
  throw new Error('no canary unit found');
}

afterEach(async () => {
  await Promise.all(providers.splice(0).map((provider) => provider.onClose()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

describe('PromptCanaryProvider', () => {
  it('becomes ready from the snapshot and evaluates locally with the revision as flag metadata version', async () => {
    const server = await fake();
    const provider = providerFor(server);
    await provider.initialize();
    const details = await provider.resolveStringEvaluation('support-prompts', '0.0.0', {
      targetingKey: 'unit-1',
    });
    expect(['2.3.1', '2.4.0']).toContain(details.value);
    expect(details.reason).toBe('SPLIT');
    expect(details.flagMetadata).toMatchObject({ stableVersion: '2.3.1', version: '1' });
    await waitUntil(() => server.openStreams === 1, 15_000, 'the stream to open');
    const configRequests = server.requests.filter((request) => request.path === '/api/v1/config');
    expect(configRequests).toHaveLength(1);
  });

  it('emits configuration-changed with exactly the flags whose definitions changed', async () => {
    const server = await fake();
    const provider = providerFor(server);
    const events = recordEvents(provider);
    await provider.initialize();
    await waitUntil(() => server.openStreams === 1, 15_000, 'the stream to open');
    server.putFlag(rolloutFlag(0));
    await waitUntil(() => events.some((event) => event.type === ProviderEvents.ConfigurationChanged));
    const changed = events.filter((event) => event.type === ProviderEvents.ConfigurationChanged);
    expect(changed).toHaveLength(1);
    expect(changed[0]?.details?.flagsChanged).toEqual(['support-prompts']);
    const unit = 'unit-1';
    expect(
      (await provider.resolveStringEvaluation('support-prompts', 'x', { targetingKey: unit })).value,
    ).toBe('2.3.1');
    expect(provider.revision).toBe('2');

    server.setFlags({ ...server.config.flags });
    await waitUntil(() => provider.revision === '3');
    expect(events.filter((event) => event.type === ProviderEvents.ConfigurationChanged)).toHaveLength(1);
  });

  it('goes stale when the daemon drops, errors after the grace period, and is ready again on reconnect with Last-Event-ID', async () => {
    const server = await fake();
    const provider = providerFor(server);
    const events = recordEvents(provider);
    await provider.initialize();
    await waitUntil(() => server.openStreams === 1, 15_000, 'the stream to open');

    await server.down();
    await waitUntil(() => events.some((event) => event.type === ProviderEvents.Stale), 15_000, 'stale');
    expect(events.some((event) => event.type === ProviderEvents.Error)).toBe(false);
    await waitUntil(() => events.some((event) => event.type === ProviderEvents.Error), 15_000, 'error');
    const served = await provider.resolveStringEvaluation('greeting', 'x', { targetingKey: 'unit-1' });
    expect(served).toMatchObject({ value: 'Good day', reason: 'STATIC' });

    server.putFlag({ ...plainFlag, defaultVariant: 'casual' });
    await server.up();
    await waitUntil(
      () => events.at(-1)?.type === ProviderEvents.ConfigurationChanged,
      15_000,
      'ready + changed',
    );
    expect(events.map((event) => event.type)).toEqual([
      ProviderEvents.Stale,
      ProviderEvents.Error,
      ProviderEvents.Ready,
      ProviderEvents.ConfigurationChanged,
    ]);
    expect(events.at(-1)?.details?.flagsChanged).toEqual(['greeting']);
    const streams = server.requests.filter((request) => request.path === '/api/v1/sync');
    expect(streams.at(-1)?.headers['last-event-id']).toBe('1');
    expect((await provider.resolveStringEvaluation('greeting', 'x', {})).value).toBe('Hi');
  });

  it('falls back to ETag polling when the stream endpoint is missing', async () => {
    const server = await fake(false);
    const provider = providerFor(server, { pollInterval: '50ms' });
    const events = recordEvents(provider);
    await provider.initialize();
    server.putFlag({ ...plainFlag, defaultVariant: 'casual' });
    await waitUntil(
      () => events.some((event) => event.type === ProviderEvents.ConfigurationChanged),
      15_000,
      'poll',
    );
    expect((await provider.resolveStringEvaluation('greeting', 'x', {})).value).toBe('Hi');
    await waitUntil(
      () => server.requests.filter((request) => request.headers['if-none-match'] === '"2"').length >= 2,
    );
    expect(server.requests.filter((request) => request.path === '/api/v1/sync')).toHaveLength(1);
    expect(events.some((event) => event.type === ProviderEvents.Stale)).toBe(false);
  });

  it('falls back to polling when a proxy answers the stream with something other than an event stream', async () => {
    const server = await fake();
    const proxied: typeof fetch = (input, init) =>
      String(input).endsWith('/api/v1/sync')
        ? Promise.resolve(new Response('<html>buffered</html>', { headers: { 'content-type': 'text/html' } }))
        : fetch(input, init);
    const provider = providerFor(server, { pollInterval: '50ms', fetch: proxied });
    await provider.initialize();
    server.putFlag({ ...plainFlag, defaultVariant: 'casual' });
    await waitUntil(() => provider.revision === '2', 15_000, 'the poll to pick up revision 2');
    expect((await provider.resolveStringEvaluation('greeting', 'x', {})).value).toBe('Hi');
  });

  it('after staleFallback serves the stable version of flags with a live rollout, and only of those', async () => {
    const server = await fake();
    let now = Date.parse('2025-01-01T12:00:00Z');
    const provider = providerFor(server, { staleFallback: '10m', clock: { now: () => now } });
    const events = recordEvents(provider);
    await provider.initialize();
    const unit = await canaryUnit(provider);
    await server.down();
    await waitUntil(() => events.some((event) => event.type === ProviderEvents.Stale), 15_000, 'stale');

    now += 9 * 60_000;
    expect(
      (await provider.resolveStringEvaluation('support-prompts', 'x', { targetingKey: unit })).value,
    ).toBe('2.4.0');
    now += 60_000;
    const stable = await provider.resolveStringEvaluation('support-prompts', 'x', { targetingKey: unit });
    expect(stable).toMatchObject({ value: '2.3.1', variant: '2.3.1', reason: 'STALE' });
    expect(await provider.resolveStringEvaluation('greeting', 'x', {})).toMatchObject({
      value: 'Good day',
      reason: 'STATIC',
    });

    await server.up();
    await waitUntil(() => events.at(-1)?.type === ProviderEvents.Ready, 15_000, 'ready');
    expect(
      (await provider.resolveStringEvaluation('support-prompts', 'x', { targetingKey: unit })).value,
    ).toBe('2.4.0');
  });

  it('gives the default with PROVIDER_NOT_READY before any config, rejects after initTimeout, and becomes ready later', async () => {
    const server = await fake();
    await server.down();
    const provider = providerFor(server, { initTimeout: '200ms' });
    const events = recordEvents(provider);
    const before = await provider.resolveStringEvaluation('support-prompts', '2.3.1', { targetingKey: 'u' });
    expect(before).toMatchObject({ value: '2.3.1', reason: 'ERROR', errorCode: 'PROVIDER_NOT_READY' });
    const failure = await provider.initialize().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProviderNotReadyError);
    expect((failure as Error).message).toMatch(/did not send a config within 200 ms/);
    expect((await provider.resolveStringEvaluation('greeting', 'x', {})).errorCode).toBe(
      'PROVIDER_NOT_READY',
    );

    await server.up();
    await waitUntil(() => events.some((event) => event.type === ProviderEvents.Ready), 15_000, 'ready');
    expect((await provider.resolveStringEvaluation('greeting', 'x', {})).value).toBe('Good day');
  });

  it('runs its init timeout and reconnect delays on the clock it is given', async () => {
    const clock = new ManualClock();
    let attempts = 0;
    const provider = new PromptCanaryProvider({
      baseUrl: 'http://canaryd.test',
      token: 't',
      clock,
      tracking: false,
      logger: quiet,
      fetch: () => {
        attempts += 1;
        return Promise.reject(new Error('connection refused'));
      },
    });
    providers.push(provider);
    const failure = provider.initialize().catch((error: unknown) => error);
    await waitUntil(() => attempts === 1, 15_000, 'the first attempt');
    // The reconnect delay waits for the manual clock: no second attempt in real time.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(attempts).toBe(1);
    clock.advance(10_000);
    expect(await failure).toBeInstanceOf(ProviderNotReadyError);
    await waitUntil(() => attempts > 1, 15_000, 'a retry once the manual backoff delay has passed');
  });

  it('reports a type mismatch as TYPE_MISMATCH with the caller default', async () => {
    const server = await fake();
    const provider = providerFor(server);
    await provider.initialize();
    const details = await provider.resolveBooleanEvaluation('greeting', false, {});
    expect(details).toMatchObject({ value: false, reason: 'ERROR', errorCode: 'TYPE_MISMATCH' });
  });

  it('serves the bootstrap at once when the daemon is down, then switches to the daemon config', async () => {
    const server = await fake();
    await server.down();
    const provider = providerFor(server, {
      bootstrap: {
        schemaVersion: 1,
        revision: 0,
        flags: { greeting: { ...plainFlag, defaultVariant: 'casual' } },
      },
    });
    const events = recordEvents(provider);
    await provider.initialize();
    expect((await provider.resolveStringEvaluation('greeting', 'x', {})).value).toBe('Hi');
    await waitUntil(() => events.some((event) => event.type === ProviderEvents.Stale), 15_000, 'stale');

    await server.up();
    await waitUntil(
      () => events.some((event) => event.type === ProviderEvents.ConfigurationChanged),
      15_000,
      'sync',
    );
    expect((await provider.resolveStringEvaluation('greeting', 'x', {})).value).toBe('Good day');
    expect(provider.revision).toBe('1');
  });

  it('runs offline from a config file without touching the network', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'prompt-canary-'));
    const file = join(dir, 'canary-config.json');
    await writeFile(file, JSON.stringify({ schemaVersion: 1, revision: 7, flags: { greeting: plainFlag } }));
    const provider = new PromptCanaryProvider({
      offline: true,
      bootstrap: configFile(file),
      fetch: () => Promise.reject(new Error('no network in offline mode')),
      logger: quiet,
    });
    providers.push(provider);
    await provider.initialize();
    expect(await provider.resolveStringEvaluation('greeting', 'x', {})).toMatchObject({
      value: 'Good day',
      flagMetadata: { version: '7' },
    });
  });

  it('works through the OpenFeature SDK: a wrong token is fatal and evaluations get the default', async () => {
    const server = await fake();
    const provider = providerFor(server, { token: 'wrong' });
    const domain = 'provider-test-fatal';
    await expect(OpenFeature.setProviderAndWait(domain, provider)).rejects.toThrow(/token is wrong/);
    const client = OpenFeature.getClient(domain);
    expect(client.providerStatus).toBe(ProviderStatus.FATAL);
    const details = await client.getStringDetails('greeting', 'fallback', {});
    expect(details).toMatchObject({ value: 'fallback', reason: 'ERROR', errorCode: 'PROVIDER_FATAL' });
    await OpenFeature.clearProviders();
  });
});

describe('PromptCanaryProvider with a flawed config', () => {
  it('keeps the last good definition of a flag that does not compile, ignores unknown fields, and applies the rest', async () => {
    const server = await fake();
    const errors: string[] = [];
    const provider = providerFor(server, {
      logger: { ...quiet, error: (message: string) => errors.push(message) },
    });
    const events = recordEvents(provider);
    await provider.initialize();
    await waitUntil(() => server.openStreams === 1, 15_000, 'the stream to open');
    server.setFlags({
      greeting: { ...plainFlag, defaultVariant: 'missing-variant' },
      'support-prompts': { ...rolloutFlag(0), ownerPack: 'support-prompts' } as Flag,
    });
    await waitUntil(
      () => events.some((event) => event.type === ProviderEvents.ConfigurationChanged),
      15_000,
      'change',
    );
    expect(errors.join('\n')).toMatch(/greeting/);
    expect((await provider.resolveStringEvaluation('greeting', 'x', {})).value).toBe('Good day');
    const rolledBack = await provider.resolveStringEvaluation('support-prompts', 'x', {
      targetingKey: 'unit-1',
    });
    expect(rolledBack.value).toBe('2.3.1');
  });
});
