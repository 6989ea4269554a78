import type { Flag } from '@prompt-canary/rules';
import { afterEach, describe, expect, it } from 'vitest';
import { BundleCache } from './bundle-cache.js';
import { PromptCanaryProvider } from './prompt-canary-provider.js';
import { type FakeSyncServer, startFakeSyncServer } from './testing/fake-sync-server.js';
import { waitUntil } from './testing/sync-contract-suite.js';

/** Polls an asynchronous condition until it holds (a generous bound: the machine may be loaded). */
async function eventually(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const OLD = { version: '1.0.0', prompts: { system: { text: 'old' } }, model: null, attributes: {} };
const NEW = { version: '2.0.0', prompts: { system: { text: 'new' } }, model: null, attributes: {} };

function content(versions: Record<string, string>, canaryWeight = 0): Flag {
  const names = Object.keys(versions);
  return {
    key: 'p.content',
    state: 'ENABLED',
    variants: Object.fromEntries(names.map((name) => [name, { $bundle: versions[name] as string }])),
    defaultVariant: '1.0.0',
    rules:
      names.length === 1
        ? []
        : [
            {
              serve: {
                split: {
                  seed: 'p',
                  arms: [
                    { variant: '2.0.0', weight: canaryWeight },
                    { variant: '1.0.0', weight: 100 - canaryWeight },
                  ],
                },
              },
            },
          ],
    metadata: { bundleOf: 'p', stableVersion: '1.0.0' },
  };
}

describe('BundleCache', () => {
  it('puts bundles in place of references, from the document or from what it holds', () => {
    const cache = new BundleCache();
    const first = cache.resolve({ 'p.content': content({ '1.0.0': 'h1' }) }, { h1: OLD });
    expect(first).toMatchObject({ ok: true, flags: { 'p.content': { variants: { '1.0.0': OLD } } } });
    const second = cache.resolve({ 'p.content': content({ '1.0.0': 'h1', '2.0.0': 'h2' }, 10) }, { h2: NEW });
    expect(second).toMatchObject({
      ok: true,
      flags: { 'p.content': { variants: { '1.0.0': OLD, '2.0.0': NEW } } },
    });
    expect(cache.size).toBe(2);
    // A reference to a bundle never received is reported, and nothing changes.
    expect(cache.resolve({ 'p.content': content({ '3.0.0': 'h3' }) }, undefined)).toEqual({
      ok: false,
      missing: ['h3'],
    });
    expect(cache.size).toBe(2);
    // Only what the last document names is kept.
    cache.resolve({ 'p.content': content({ '2.0.0': 'h2' }) }, undefined);
    expect(cache.size).toBe(1);
  });

  it('leaves other flags, and object values that are not references, as they are', () => {
    const plain: Flag = {
      key: 'x',
      state: 'ENABLED',
      variants: { a: { $bundle: 'h', other: 1 } },
      defaultVariant: 'a',
    };
    const resolved = new BundleCache().resolve({ x: plain }, undefined);
    expect(resolved).toEqual({ ok: true, flags: { x: plain } });
  });
});

describe('a provider receiving bundles', () => {
  const servers: FakeSyncServer[] = [];
  const providers: PromptCanaryProvider[] = [];
  afterEach(async () => {
    await Promise.all(providers.splice(0).map((provider) => provider.onClose()));
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  it('serves bundles sent once, and refetches the whole document when an event names one it never got', async () => {
    const server = await startFakeSyncServer({});
    servers.push(server);
    server.publishDocument(
      { schemaVersion: 1, flags: { 'p.content': content({ '1.0.0': 'h1' }) }, bundles: { h1: OLD } },
      { schemaVersion: 1, flags: { 'p.content': content({ '1.0.0': 'h1' }) }, bundles: { h1: OLD } },
    );
    const provider = new PromptCanaryProvider({
      baseUrl: server.baseUrl,
      token: server.token,
      reconnectDelay: { initial: '20ms', max: '100ms' },
      initTimeout: '20s',
      tracking: false,
    });
    providers.push(provider);
    await provider.initialize();
    const value = async (unit: string) =>
      (await provider.resolveObjectEvaluation('p.content', {}, { targetingKey: unit })).value;
    expect(await value('u1')).toEqual(OLD);
    await waitUntil(() => server.openStreams === 1, 20_000);

    // The stream event carries the new bundle only; the old one is resolved from what the provider holds.
    const both = content({ '1.0.0': 'h1', '2.0.0': 'h2' }, 100);
    server.publishDocument(
      { schemaVersion: 1, flags: { 'p.content': both }, bundles: { h2: NEW } },
      { schemaVersion: 1, flags: { 'p.content': both }, bundles: { h1: OLD, h2: NEW } },
    );
    await eventually(async () => ((await value('u1')) as { version: string }).version === '2.0.0');
    const snapshotsBefore = server.requests.filter((r) => r.path === '/api/v1/config').length;

    // An event naming a bundle the provider never received: it fetches the whole document instead of failing.
    const third = content({ '1.0.0': 'h1', '3.0.0': 'h3' }, 0);
    third.variants = { '1.0.0': { $bundle: 'h1' }, '2.0.0': { $bundle: 'h3' } };
    const NEWER = { ...NEW, prompts: { system: { text: 'newer' } } };
    server.publishDocument(
      { schemaVersion: 1, flags: { 'p.content': { ...third, defaultVariant: '2.0.0', rules: [] } } },
      {
        schemaVersion: 1,
        flags: { 'p.content': { ...third, defaultVariant: '2.0.0', rules: [] } },
        bundles: { h1: OLD, h3: NEWER },
      },
    );
    await eventually(async () => JSON.stringify(await value('u1')).includes('newer'));
    expect(server.requests.filter((r) => r.path === '/api/v1/config').length).toBe(snapshotsBefore + 1);
  });
});
