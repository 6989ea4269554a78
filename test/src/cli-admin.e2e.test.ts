import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli } from './cli-process.js';
import { api, type DaemonProcess, repoRoot, startDaemon } from './daemon-process.js';

/** `canary tokens …`, `canary segments …` and `canary delete pack` against the built daemon. */
describe('the canary CLI administers tokens, segments and packs', () => {
  let daemon: DaemonProcess;
  const canary = (args: string[], env: Record<string, string> = {}) => spawnCli(daemon, args, env).exited;

  beforeAll(async () => {
    daemon = await startDaemon();
  });
  afterAll(async () => {
    expect(await daemon?.stop()).toBe(0);
  });

  it('creates a token whose secret works with its scopes only, lists it, and revokes it', async () => {
    const created = await canary(['tokens', 'create', 'ci-reader', '--scopes', 'read', '-o', 'json']);
    expect(created.code, created.stderr).toBe(0);
    const { token, scopes } = JSON.parse(created.stdout) as { token: string; scopes: string[] };
    expect(scopes).toEqual(['read']);

    // The new token reads, and is refused an admin command with the daemon's code.
    expect((await canary(['get', 'packs'], { CANARY_TOKEN: token })).code).toBe(0);
    const refused = await canary(['tokens', 'list'], { CANARY_TOKEN: token });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: forbidden: /);

    const table = await canary(['tokens', 'list']);
    expect(table.stdout).toMatch(/^NAME\s+SCOPES\s+CREATED$/m);
    expect(table.stdout).toMatch(/^ci-reader\s+read\s+(just now|\d+s ago)$/m);
    expect(table.stdout).not.toContain(token);
    const listed = JSON.parse((await canary(['tokens', 'list', '--output', 'json'])).stdout) as Array<{
      name: string;
    }>;
    expect(listed.map((t) => t.name).sort()).toEqual(['admin', 'ci-reader']);

    const human = await canary(['tokens', 'create', 'app', '--scopes', 'evaluate,ingest']);
    expect(human.stdout).toMatch(/token app created with evaluate, ingest; shown once.*\n\S+\n$/);

    expect((await canary(['tokens', 'revoke', 'ci-reader'])).stdout).toBe('✔ token ci-reader revoked\n');
    const after = await canary(['get', 'packs'], { CANARY_TOKEN: token });
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(/^error: unauthorized: /);
    const again = await canary(['tokens', 'revoke', 'ci-reader']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: not_found: /);
  });

  it('refuses unknown scopes as a usage error, before asking the daemon', async () => {
    const run = await canary(['tokens', 'create', 'x', '--scopes', 'read,everything']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('expected scopes from evaluate, ingest, read, operate, admin');
  });

  it('applies the example segment definitions, reads them back and deletes one', async () => {
    const file = join(repoRoot, 'examples/segment-definitions.yaml');
    const applied = await canary(['segments', 'apply', '-f', file]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toBe('✔ segment internal_users created\n✔ segment beta_users created\n');
    expect((await canary(['segments', 'apply', '-f', file])).stdout).toContain('segment beta_users updated');

    const one = JSON.parse((await canary(['segments', 'get', 'beta_users', '-o', 'json'])).stdout) as {
      match: unknown;
    };
    expect(one.match).toEqual({ beta: true });
    const table = await canary(['segments', 'get']);
    expect(table.stdout).toMatch(/^internal_users\s+\{"plan":"internal"\}/m);

    expect((await canary(['segments', 'delete', 'internal_users'])).code).toBe(0);
    const left = JSON.parse((await canary(['segments', 'get', '-o', 'json'])).stdout) as Array<{
      name: string;
    }>;
    expect(left.map((s) => s.name)).toEqual(['beta_users']);
    const missing = await canary(['segments', 'get', 'internal_users']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: not_found: /);
  });

  it('reports a segment file of the wrong shape as a usage error', async () => {
    const run = await canary(['segments', 'apply', '-f', join(repoRoot, 'examples/ramp.yaml')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/segment apiVersion should be \{match: \{\.\.\.\}\}/);
  });

  it('deletes a pack, needing --force while its rollout is live', async () => {
    const file = join(repoRoot, 'examples/ramp.yaml');
    const pack = (version: string) => ({
      apiVersion: 'promptcanary.dev/v1alpha1',
      kind: 'PromptPack',
      metadata: { name: 'support-prompts' },
      spec: { version },
    });
    expect(
      (await api(daemon, '/api/v1/packs/support-prompts', { method: 'PUT', json: pack('2.3.1') })).ok,
    ).toBe(true);
    expect((await canary(['apply', '-f', file])).code).toBe(0);

    const refused = await canary(['delete', 'pack', 'support-prompts']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: rollout_in_progress: .*delete with --force\n$/);
    const forced = await canary(['delete', 'pack', 'support-prompts', '--force']);
    expect(forced).toMatchObject({ code: 0, stdout: '✔ pack support-prompts deleted\n' });
    expect(JSON.parse((await canary(['get', 'packs', '-o', 'json'])).stdout)).toEqual([]);
    const gone = await canary(['delete', 'pack', 'support-prompts']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^error: not_found: /);
  });
});
