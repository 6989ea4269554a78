import { describe, expect, it } from 'vitest';
import { createTestDaemon } from '../testing/test-daemon.js';

const doc = {
  $schema: 'https://flagd.dev/schema/v0/flags.json',
  flags: {
    'new-checkout': {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: { if: [{ ends_with: [{ var: 'email' }, '@example.com'] }, 'on', null] },
      metadata: { owner: 'payments' },
    },
    greeting: { state: 'ENABLED', variants: { hi: 'hi', bye: 'bye' }, defaultVariant: 'hi' },
  },
};

describe('flagd import and export', () => {
  it('imports a flagd file, serves it over OFREP and exports it back', async () => {
    const d = createTestDaemon();
    const res = await d.request('/api/v1/import/flagd', { method: 'POST', json: doc });
    expect(res.status).toBe(200);
    expect((await res.json()).imported).toEqual(['new-checkout', 'greeting']);
    const evaluation = await d.request('/ofrep/v1/evaluate/flags/new-checkout', {
      method: 'POST',
      as: 'evaluate',
      json: { context: { targetingKey: 'u', email: 'kim@example.com' } },
    });
    expect(await evaluation.json()).toMatchObject({ value: true, variant: 'on', reason: 'TARGETING_MATCH' });
    const exported = await (await d.request('/api/v1/flagd.json', { as: 'read' })).json();
    expect(exported.flags['new-checkout']).toEqual(doc.flags['new-checkout']);
    expect(d.ctx.config.current().revision).toBe(1);
  });

  it('answers 400 with the path for a document flagd would refuse, and writes nothing', async () => {
    const d = createTestDaemon();
    const bad = { flags: { x: { state: 'MAYBE', variants: { a: 1 } } } };
    const res = await d.request('/api/v1/import/flagd', { method: 'POST', json: bad });
    expect(res.status).toBe(400);
    expect((await res.json()).path).toEqual(['flags', 'x', 'state']);
    expect(d.ctx.store.flags.list()).toEqual([]);
  });

  it("refuses to overwrite a pack's flag, and then imports none of the file", async () => {
    const d = createTestDaemon();
    d.ctx.store.flags.put(
      { key: 'greeting', state: 'ENABLED', variants: { a: 'a' }, defaultVariant: 'a' },
      'greeting',
      '2025-01-01T00:00:00Z',
    );
    const res = await d.request('/api/v1/import/flagd', { method: 'POST', json: doc });
    expect(res.status).toBe(409);
    expect((await res.json()).code).toBe('owned_by_pack');
    expect(d.ctx.store.flags.get('new-checkout')).toBeUndefined();
  });
});
