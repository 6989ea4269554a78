import type { AuditEntry } from '@prompt-canary/api-types';
import { describe, expect, it } from 'vitest';
import { ApiClient } from '../api/api-client.js';
import { lastChanges } from './use-overview.js';

function entry(id: number, pack: string | null, action: string): AuditEntry {
  return {
    id,
    at: new Date(Date.UTC(2026, 11, 2, 4, 0, id)).toISOString(),
    actor: 'oncall',
    action,
    target: pack ? `pack:${pack}` : 'token:ci',
    pack,
    reason: null,
    before: null,
    after: null,
    revision: null,
  };
}

describe("each pack's last change", () => {
  it('comes from one read of the newest entries, asking pack by pack only for the quiet ones', async () => {
    const urls: string[] = [];
    const recent = [
      entry(9, 'support', 'rollout.resume'),
      entry(8, null, 'token.create'),
      entry(7, 'support', 'pack.apply'),
    ];
    const client = new ApiClient('pc_x', {
      fetch: async (url) => {
        urls.push(url);
        const items =
          new URL(url, 'http://x').searchParams.get('pack') === 'billing'
            ? [entry(1, 'billing', 'pack.apply')]
            : recent;
        return new Response(JSON.stringify({ items, nextCursor: null }), { status: 200 });
      },
    });
    const changes = await lastChanges(client, ['support', 'billing']);
    expect(changes.get('support')?.action).toBe('rollout.resume');
    expect(changes.get('billing')?.action).toBe('pack.apply');
    expect(urls).toEqual(['/api/v1/audit?limit=100', '/api/v1/audit?limit=1&pack=billing']);
  });
});
