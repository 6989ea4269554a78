/**
 * A PromptPack version carries its prompts: content fixed by the first apply, the versions routes, the companion
 * flag `<pack>.content` in the config, OFREP and the flagd export, the size cap and the reserved keys.
 */
import { compileFlag, importFlagd } from '@prompt-canary/rules';
import { describe, expect, it } from 'vitest';
import { createTestDaemon, type TestDaemon } from '../testing/test-daemon.js';

const PATH = '/api/v1/packs/support-prompts';

function pack(version: string, system: string | undefined, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'promptcanary.dev/v1alpha1',
    kind: 'PromptPack',
    metadata: { name: 'support-prompts' },
    spec: {
      version,
      ...(system === undefined
        ? {}
        : {
            prompts: { system, greeting: { text: `Hello from ${version}`, role: 'assistant' } },
            model: { name: 'gpt-x', parameters: { temperature: 0.2 } },
            attributes: { tone: 'warm' },
          }),
      ...extra,
      rollout: { canaryWeight: 10, stepWeight: 10, stepInterval: '5m' },
    },
  };
}

async function apply(d: TestDaemon, body: unknown) {
  return d.request(PATH, { method: 'PUT', json: body });
}

async function ofrep(d: TestDaemon, key: string, context: Record<string, unknown>) {
  const res = await d.request(`/ofrep/v1/evaluate/flags/${key}`, {
    method: 'POST',
    as: 'evaluate',
    json: { context },
  });
  return res.json();
}

describe('a pack version with content', () => {
  it('records each version with its content hash and serves its bundle', async () => {
    const d = createTestDaemon();
    expect((await apply(d, pack('2.3.1', 'You are terse.'))).status).toBe(201);
    expect((await apply(d, pack('2.4.0', 'You are warm.'))).status).toBe(200);
    const versions = await (await d.request(`${PATH}/versions`)).json();
    expect(versions).toMatchObject([
      { version: '2.3.1', contentHash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), serving: 'stable' },
      { version: '2.4.0', serving: 'canary' },
    ]);
    const bundle = await (await d.request(`${PATH}/versions/2.4.0`)).json();
    expect(bundle).toEqual({
      version: '2.4.0',
      prompts: {
        system: { text: 'You are warm.' },
        greeting: { text: 'Hello from 2.4.0', role: 'assistant' },
      },
      model: { name: 'gpt-x', parameters: { temperature: 0.2 } },
      attributes: { tone: 'warm' },
      contentHash: versions[1].contentHash,
    });
    expect((await d.request(`${PATH}/versions/9.9.9`)).status).toBe(404);
    expect((await d.request('/api/v1/packs/nope/versions')).status).toBe(404);
  });

  it('refuses the same version with other content (409 version_content_changed), before rollout_in_progress', async () => {
    const d = createTestDaemon();
    await apply(d, pack('2.3.1', 'old'));
    await apply(d, pack('2.4.0', 'new'));
    // 2.4.0's rollout is live: a changed 2.4.0 is still reported as the changed content, not as the rollout.
    const changed = await apply(d, pack('2.4.0', 'new, edited'));
    expect(changed.status).toBe(409);
    expect(await changed.json()).toMatchObject({
      code: 'version_content_changed',
      path: ['spec', 'version'],
    });
    // The stable version with other content is refused too (it would otherwise be a fast rollback).
    expect((await (await apply(d, pack('2.3.1', 'old, edited'))).json()).code).toBe(
      'version_content_changed',
    );
    // Another version during the rollout is still rollout_in_progress.
    expect((await (await apply(d, pack('2.5.0', 'newer'))).json()).code).toBe('rollout_in_progress');
    // The same content written another way (a bare string and {text}) is the same content.
    const same = pack('2.4.0', undefined, {
      prompts: { system: { text: 'new' }, greeting: { role: 'assistant', text: 'Hello from 2.4.0' } },
      model: { parameters: { temperature: 0.2 }, name: 'gpt-x' },
      attributes: { tone: 'warm' },
    });
    expect((await apply(d, same)).status).toBe(200);
    const audit = await (await d.request('/api/v1/audit?pack=support-prompts')).json();
    const applies = audit.items.filter((item: { action: string }) => item.action === 'pack.apply');
    expect(applies[0].after.contentHash).toMatch(/^sha256:/);
  });

  it('serves the companion object flag with the same assignment as the pack flag, in OFREP and the flagd export', async () => {
    const d = createTestDaemon();
    await apply(d, pack('2.3.1', 'old'));
    await apply(d, pack('2.4.0', 'new'));
    const config = await (await d.request('/api/v1/config', { as: 'evaluate' })).json();
    expect(config.flags['support-prompts.content'].metadata).toMatchObject({ bundleOf: 'support-prompts' });
    // The export's JsonLogic, evaluated as flagd would (flagd-core itself runs in the end-to-end test).
    const exported = importFlagd(await (await d.request('/api/v1/flagd.json')).json());
    const fromExport = compileFlag(exported.find((f) => f.key === 'support-prompts.content') as never);
    let canary = 0;
    for (let i = 0; i < 300; i++) {
      const context = { targetingKey: `unit-${i}` };
      const version = (await ofrep(d, 'support-prompts', context)).value;
      const content = await ofrep(d, 'support-prompts.content', context);
      expect(content.variant).toBe(version);
      expect(content.value.version).toBe(version);
      expect(content.value.prompts.system.text).toBe(version === '2.4.0' ? 'new' : 'old');
      expect(fromExport.evaluate(context, Date.now()).value).toEqual(content.value);
      if (version === '2.4.0') canary++;
    }
    expect(canary).toBeGreaterThan(10);
    expect(canary).toBeLessThan(60);
  });

  it('a pack without content has no companion flag, and its version stays without content', async () => {
    const d = createTestDaemon();
    await apply(d, pack('2.3.1', undefined));
    let config = await (await d.request('/api/v1/config', { as: 'evaluate' })).json();
    expect(config.flags['support-prompts.content']).toBeUndefined();
    // The first apply fixed 2.3.1 as a version without content: text for it needs a new version.
    expect((await apply(d, pack('2.3.1', 'now with text'))).status).toBe(409);
    const e = createTestDaemon();
    await apply(e, pack('1.0.0', 'text'));
    config = await (await e.request('/api/v1/config', { as: 'evaluate' })).json();
    const ref = config.flags['support-prompts.content'].variants['1.0.0'].$bundle;
    expect(config.bundles[ref].prompts.system.text).toBe('text');
  });

  it('caps a bundle at 256 KiB by default (400 content_too_large), writing nothing', async () => {
    const d = createTestDaemon();
    const res = await apply(d, pack('1.0.0', 'x'.repeat(300 * 1024)));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'content_too_large', path: ['spec'] });
    expect((await d.request(PATH)).status).toBe(404);
    expect((await apply(d, pack('1.0.0', 'x'.repeat(200 * 1024)))).status).toBe(201);
    // CANARYD_MAX_BUNDLE_BYTES sets another limit.
    const small = createTestDaemon({ maxBundleBytes: 4096 });
    const over = await apply(small, pack('1.0.0', 'x'.repeat(5000)));
    expect(await over.json()).toMatchObject({ code: 'content_too_large' });
    expect((await apply(small, pack('1.0.0', 'x'.repeat(3000)))).status).toBe(201);
  });

  it('refuses pack names ending in .content, a {file} prompt, and plain flags or flagd imports on a companion key', async () => {
    const d = createTestDaemon();
    const bad = { ...pack('1', 'x'), metadata: { name: 'a.content' } };
    const named = await d.request('/api/v1/packs/a.content', { method: 'PUT', json: bad });
    expect(await named.json()).toMatchObject({ code: 'invalid_body', path: ['metadata', 'name'] });
    const file = await apply(d, pack('1', undefined, { prompts: { system: { file: './system.md' } } }));
    expect(await file.json()).toMatchObject({
      code: 'invalid_body',
      path: ['spec', 'prompts', 'system', 'file'],
    });
    await apply(d, pack('1', undefined));
    const plain = {
      key: 'support-prompts.content',
      state: 'ENABLED',
      variants: { a: 'a' },
      defaultVariant: 'a',
    };
    const put = await d.request('/api/v1/flags/support-prompts.content', { method: 'PUT', json: plain });
    expect(put.status).toBe(409);
    expect((await put.json()).code).toBe('owned_by_pack');
    const imported = await d.request('/api/v1/import/flagd', {
      method: 'POST',
      json: {
        flags: { 'support-prompts.content': { state: 'ENABLED', variants: { a: 'a' }, defaultVariant: 'a' } },
      },
    });
    expect(imported.status).toBe(409);
    // And a pack cannot be created over a plain flag that took its companion key first.
    const other = await d.request('/api/v1/flags/other.content', {
      method: 'PUT',
      json: { ...plain, key: 'other.content' },
    });
    expect(other.status).toBe(201);
    const otherPack = { ...pack('1', 'x'), metadata: { name: 'other' } };
    const refused = await d.request('/api/v1/packs/other', { method: 'PUT', json: otherPack });
    expect(await refused.json()).toMatchObject({ code: 'already_exists' });
  });

  it('deleting a pack removes its companion flag and its versions', async () => {
    const d = createTestDaemon();
    await apply(d, pack('1', 'x'));
    expect((await d.request(PATH, { method: 'DELETE' })).status).toBe(204);
    const config = await (await d.request('/api/v1/config', { as: 'evaluate' })).json();
    expect(config.flags['support-prompts.content']).toBeUndefined();
    await apply(d, pack('1', 'y'));
    expect((await (await d.request(`${PATH}/versions/1`)).json()).prompts.system.text).toBe('y');
  });
});
