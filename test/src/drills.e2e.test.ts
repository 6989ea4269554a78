import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnCli } from './cli-process.js';
import { api, type DaemonProcess, repoRoot, startDaemon } from './daemon-process.js';

// Rollback drills through real processes: the built canaryd, two copies of the demo app (each a real OpenFeature
// provider on the config stream and a real OTel SDK exporting OTLP with its own `service.instance.id`), and the
// `canary` CLI. One copy is then frozen (SIGSTOP: its stream and its telemetry stop, as in a hung process), and the
// drill must fail and name it.

const DEMO_MAIN = join(repoRoot, 'apps/demo/dist/main.js');
const PACK = 'support-prompts';
/** Hang guards for a loaded machine, not timings. */
const WAIT_MS = 30_000;

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** A demo app process; `instance` is its `service.instance.id` once it has started. */
interface Demo {
  child: ChildProcess;
  instance(): string | undefined;
  requests(): number;
}

function startDemo(daemon: DaemonProcess, token: string): Demo {
  const child = spawn(
    process.execPath,
    [
      DEMO_MAIN,
      '--url',
      daemon.url,
      '--scenario',
      'aa',
      '--rps',
      '20',
      '--duration',
      '3m',
      '--stats-interval',
      '250ms',
    ],
    {
      env: { ...(process.env as Record<string, string>), CANARY_TOKEN: token },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let instance: string | undefined;
  let requests = 0;
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      try {
        const event = JSON.parse(line) as { event: string; instance?: string; requests?: number };
        if (event.event === 'started') instance = event.instance;
        if (event.event === 'stats' && typeof event.requests === 'number') requests = event.requests;
      } catch {
        // not an event line
      }
    }
  });
  cleanups.push(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  });
  return { child, instance: () => instance, requests: () => requests };
}

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('canary drill', () => {
  it('exits 0 when both app instances apply the drill, and 1 naming the one whose stream was frozen', async () => {
    const daemon = await startDaemon();
    cleanups.push(() => daemon.stop());
    const pack = {
      apiVersion: 'promptcanary.dev/v1alpha1',
      kind: 'PromptPack',
      metadata: { name: PACK },
      spec: { version: '2.3.1' },
    };
    expect((await api(daemon, `/api/v1/packs/${PACK}`, { method: 'PUT', json: pack })).status).toBe(201);
    const created = await api(daemon, '/api/v1/tokens', {
      method: 'POST',
      json: { name: 'demo-app', scopes: ['evaluate', 'ingest'] },
    });
    const { token } = (await created.json()) as { token: string };
    const a = startDemo(daemon, token);
    const b = startDemo(daemon, token);
    await until('both demo apps serving', () => a.requests() > 20 && b.requests() > 20);
    const instanceA = a.instance() as string;
    const instanceB = b.instance() as string;
    expect(instanceA).toMatch(/^[0-9a-f-]{36}$/);
    expect(instanceB).not.toBe(instanceA);

    // Until the daemon has seen both instances' spans, a drill counts fewer: drill again until it counts two.
    let first = await spawnCli(daemon, ['drill', PACK, '--timeout', '20s']).exited;
    const deadline = Date.now() + WAIT_MS;
    while (!first.stdout.includes('of 2 app instances') && Date.now() < deadline) {
      first = await spawnCli(daemon, ['drill', PACK, '--timeout', '20s']).exited;
    }
    expect(first.stdout).toContain('applied by 2 of 2 app instances seen in the last hour');
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toContain('The rollback path works');

    // Freeze b: it stops reading the config stream and stops sending telemetry.
    b.child.kill('SIGSTOP');
    const frozen = await spawnCli(daemon, ['drill', PACK, '--timeout', '5s', '--reason', 'monthly drill'])
      .exited;
    expect(frozen.code).toBe(1);
    expect(frozen.stdout).toContain('applied by 1 of 2 app instances seen in the last hour; not applied:');
    expect(frozen.stdout).toContain(instanceB);
    expect(frozen.stdout).not.toMatch(new RegExp(`not applied:.*${instanceA}`));
    expect(frozen.stdout).toContain('The rollback path did not hold: applied.');

    // Recorded: the pack's lastDrill, the audit log, and nothing served changed (no rollout, no weight).
    const view = (await (await api(daemon, `/api/v1/packs/${PACK}`)).json()) as {
      lastDrill: { ok: boolean; steps: Array<{ name: string; ok: boolean }> };
      liveRollout: string | null;
      stableVersion: string;
    };
    expect(view.lastDrill.ok).toBe(false);
    expect(view.liveRollout).toBeNull();
    expect(view.stableVersion).toBe('2.3.1');
    const audit = (await (await api(daemon, `/api/v1/audit?pack=${PACK}&limit=5`)).json()) as {
      items: Array<{ action: string; reason: string | null }>;
    };
    expect(audit.items[0]).toMatchObject({ action: 'pack.drill', reason: 'monthly drill' });
    const status = await spawnCli(daemon, ['status', PACK]).exited;
    expect(status.stdout).toMatch(/Last drill:\s+\S.* failed: applied/);
  }, 120_000);
});
