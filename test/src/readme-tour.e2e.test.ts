import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, repoRoot } from './daemon-process.js';

/**
 * README's five-minute tour, run as written: the first block starts `pnpm start`, the second block's commands run
 * one by one through a shell (`CANARY_URL` and `CANARY_TOKEN` set as its `export` line says, with the test's port),
 * and the `watch` block runs beside them from before the rollback.
 */

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

/** The `sh` code blocks of the section under `heading`. */
function shBlocks(heading: string): string[][] {
  const start = readme.indexOf(`## ${heading}`);
  const end = readme.indexOf('\n## ', start + 3);
  const section = readme.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) =>
    (m[1] ?? '')
      .split('\n')
      .map((line) => line.replace(/\s+# .*$/, '').trim())
      .filter((line) => line !== ''),
  );
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function shell(command: string, env: Record<string, string>): { child: ChildProcess; done: Promise<Run> } {
  const child = spawn('sh', ['-c', command], {
    cwd: repoRoot,
    env: { ...(process.env as Record<string, string>), NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (b: Buffer) => {
    stdout += b.toString();
  });
  child.stderr?.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  const done = new Promise<Run>((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

const started: ChildProcess[] = [];

afterAll(() => {
  for (const child of started) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      process.kill(-child.pid, 'SIGTERM');
    }
  }
});

describe("README's five-minute tour", () => {
  const [launch, commands, watch] = shBlocks('A five-minute tour');

  it('has the three blocks the test expects', () => {
    expect(launch).toEqual(['pnpm start --keep-running --time-scale 10']);
    expect(commands?.[0]).toMatch(/^export CANARY_URL=http:\/\/127\.0\.0\.1:4000 CANARY_TOKEN=/);
    expect(watch).toEqual(['pnpm canary watch support-prompts']);
  });

  it('runs as written against `pnpm start --keep-running`', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'readme-tour-'));
    const port = await freePort();
    const token = `tour-admin-${Date.now()}-0123456789`;
    const env = { CANARY_URL: `http://127.0.0.1:${port}`, CANARY_TOKEN: token };
    const launcher = shell(launch?.[0] ?? '', {
      CANARYD_PORT: String(port),
      CANARYD_DB: join(dir, 'canary.db'),
      CANARYD_ADMIN_TOKEN: token,
      CANARYD_LOG_LEVEL: 'warn',
    });
    started.push(launcher.child);
    let output = '';
    launcher.child.stdout?.on('data', (b: Buffer) => {
      output += b.toString();
    });
    const waitFor = async (text: string, ms: number) => {
      const deadline = Date.now() + ms;
      while (!output.includes(text)) {
        if (launcher.child.exitCode !== null) throw new Error(`pnpm start exited:\n${output}`);
        if (Date.now() > deadline) throw new Error(`no "${text}" from pnpm start:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    try {
      await waitFor('rollout     support-prompts 2.3.1 → 2.4.0', 120_000);

      const watcher = shell(watch?.[0] ?? '', env);
      started.push(watcher.child);
      const outputs = new Map<string, Run>();
      for (const command of commands?.slice(1) ?? []) {
        const run = await shell(command, env).done;
        expect(run.code, `${command}\n${run.stderr}`).toBe(0);
        outputs.set(command, run);
      }
      const out = (prefix: string) =>
        [...outputs.entries()].find(([command]) => command.startsWith(prefix))?.[1].stdout ?? '';

      expect(out('pnpm canary get rollouts')).toMatch(/support-prompts\s+◌ Progressing/);
      expect(out('pnpm canary status')).toMatch(/Versions:\s+stable 2\.3\.1\s+→\s+canary 2\.4\.0/);
      const listed = JSON.parse(out('pnpm --silent canary get rollouts -o json')) as Array<{ pack: string }>;
      expect(listed.map((r) => r.pack)).toEqual(['support-prompts']);
      expect(out('pnpm canary pause')).toContain('Manual: checking a report');
      expect(out('pnpm canary rollback')).toContain('tone regression in the Spanish queue');
      expect(out('pnpm canary history')).toMatch(/rollout\.rollback\s+RolledBack 0%\s+tone regression/);
      // The demo's 2.4.0 carries its own prompt and temperature: the diff of the rollout shows them.
      const diff = out('pnpm canary diff');
      expect(diff).toContain('--- support-prompts 2.3.1');
      expect(diff).toContain('+++ support-prompts 2.4.0');
      expect(diff).toContain('-temperature: 0.3');
      expect(diff).toContain('+temperature: 0.7');
      expect(out('pnpm canary apply')).toContain('dry run: would create the pack; 2.4.0 becomes stable');

      expect((await watcher.done).code).toBe(3);
      await waitFor('canaryd keeps running', 30_000);
      expect(output).toContain('Rollout rolled back');
      expect(output).toContain('pnpm canary apply -f examples/prompts.yaml --dry-run');

      process.kill(-(launcher.child.pid as number), 'SIGINT');
      await launcher.done;
      await expect(fetch(`${env.CANARY_URL}/readyz`)).rejects.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
