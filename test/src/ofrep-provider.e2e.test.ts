import { OFREPProvider } from '@openfeature/ofrep-provider';
import { OpenFeature } from '@openfeature/server-sdk';
import { compileFlagSet, type Flag } from '@prompt-canary/rules';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type DaemonProcess, startDaemon } from './daemon-process.js';

const prompts: Flag = {
  key: 'support-prompts',
  state: 'ENABLED',
  variants: { '2.3.1': '2.3.1', '2.4.0': '2.4.0' },
  defaultVariant: '2.3.1',
  rules: [
    {
      serve: {
        split: {
          arms: [
            { variant: '2.4.0', weight: 50 },
            { variant: '2.3.1', weight: 50 },
          ],
        },
      },
    },
  ],
};

describe('the real OFREP provider against canaryd', () => {
  let daemon: DaemonProcess;

  beforeAll(async () => {
    daemon = await startDaemon();
    const { key, ...body } = prompts;
    expect((await api(daemon, `/api/v1/flags/${key}`, { method: 'PUT', json: body })).status).toBe(201);
    const app = (await (
      await api(daemon, '/api/v1/tokens', { method: 'POST', json: { name: 'app', scopes: ['evaluate'] } })
    ).json()) as { token: string };
    const provider = new OFREPProvider({
      baseUrl: daemon.url,
      headers: [['Authorization', `Bearer ${app.token}`]],
    });
    await OpenFeature.setProviderAndWait('e2e-ofrep', provider);
  });

  afterAll(async () => {
    await OpenFeature.close();
    expect(await daemon?.stop()).toBe(0);
  });

  it('resolves the same variant as the in-process evaluator, with reason and variant', async () => {
    const client = OpenFeature.getClient('e2e-ofrep');
    const local = compileFlagSet([prompts]);
    const seen = new Set<string>();
    for (const user of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi']) {
      const details = await client.getStringDetails('support-prompts', 'fallback', { targetingKey: user });
      const expected = local.evaluate('support-prompts', { targetingKey: user }, Date.now());
      expect(details).toMatchObject({ value: expected.value, variant: expected.variant, reason: 'SPLIT' });
      seen.add(details.value);
    }
    expect(seen.size).toBe(2);
  });

  it('turns a rollback into the stable value at once, and an unknown flag into the caller default', async () => {
    const client = OpenFeature.getClient('e2e-ofrep');
    const { key, ...body } = prompts;
    await api(daemon, `/api/v1/flags/${key}`, { method: 'PUT', json: { ...body, rules: [] } });
    const details = await client.getStringDetails('support-prompts', 'fallback', { targetingKey: 'alice' });
    expect(details).toMatchObject({ value: '2.3.1', reason: 'STATIC' });
    const missing = await client.getStringDetails('nope', 'fallback', { targetingKey: 'alice' });
    expect(missing).toMatchObject({ value: 'fallback', errorCode: 'FLAG_NOT_FOUND' });
  });
});
