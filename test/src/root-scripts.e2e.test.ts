import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type DaemonProcess, repoRoot, startDaemon } from './daemon-process.js';

/** Runs a root script the way the README does (`pnpm --silent canary …`) and collects its output. */
export function runPnpm(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('pnpm', args, {
    cwd: repoRoot,
    env: { ...(process.env as Record<string, string>), NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => {
    stdout += b.toString();
  });
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('the root scripts keep stdout for the program', () => {
  let daemon: DaemonProcess;
  let env: Record<string, string>;

  beforeAll(async () => {
    daemon = await startDaemon();
    env = { CANARY_URL: daemon.url, CANARY_TOKEN: daemon.adminToken };
    const pack = (version: string) => ({
      apiVersion: 'promptcanary.dev/v1alpha1',
      kind: 'PromptPack',
      metadata: { name: 'support-prompts' },
      spec: { version, rollout: { canaryWeight: 10, stepWeight: 10, stepInterval: '5m' } },
    });
    for (const version of ['2.3.1', '2.4.0']) {
      const res = await api(daemon, '/api/v1/packs/support-prompts', { method: 'PUT', json: pack(version) });
      expect(res.ok).toBe(true);
    }
  });
  afterAll(async () => {
    await daemon?.stop();
  });

  it('`pnpm --silent canary … --output json` prints JSON and nothing else on stdout', async () => {
    const status = await runPnpm(
      ['--silent', 'canary', 'status', 'support-prompts', '--output', 'json'],
      env,
    );
    expect(status.code, status.stderr).toBe(0);
    const parsed = JSON.parse(status.stdout) as { rollout: { canaryVersion: string } };
    expect(parsed.rollout.canaryVersion).toBe('2.4.0');

    const packs = await runPnpm(['--silent', 'canary', 'get', 'packs', '--output', 'json'], env);
    expect(packs.code, packs.stderr).toBe(0);
    expect((JSON.parse(packs.stdout) as Array<{ name: string }>).map((p) => p.name)).toEqual([
      'support-prompts',
    ]);
  });

  it('`pnpm --silent canaryd --version` prints the version alone', async () => {
    const run = await runPnpm(['--silent', 'canaryd', '--version'], {});
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
