import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { OpenFeature } from '@openfeature/server-sdk';
import { PromptCanaryProvider } from '@prompt-canary/openfeature-provider';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { api, type DaemonProcess, freePort, repoRoot, startDaemon } from './daemon-process.js';

// DESIGN.md "Scenarios the whole system must play", through real processes: canaryd, the demo support-agent app
// (OpenFeature provider + OTel SDK exporting OTLP) and its traffic generator, with the demo's own PromptPack.
// The daemon runs 60× faster (--time-scale), so the pack's 10m steps last 10 s and a whole rollout about 45 s.

const DEMO_MAIN = join(repoRoot, 'apps/demo/dist/main.js');
const START_MAIN = join(repoRoot, 'apps/demo/dist/start.js');
const PACK_FILE = join(repoRoot, 'apps/demo/packs/support-prompts.yaml');
const PACK = 'support-prompts';
const STABLE = '2.3.1';
const CANARY = '2.4.0';
const TIME_SCALE = 60;
/** The pack's `analysis.interval` (5m) and `failureThreshold` (2), in real time under the time scale. */
const INTERVAL_MS = (5 * 60_000) / TIME_SCALE;
const FAILURE_THRESHOLD = 2;
// A pushed config reaches providers in milliseconds on a quiet machine; 5 s holds with the other core busy and is
// still far below the 30 s snapshot poll a provider falls back to without the stream.
const PUSH_BOUND_MS = 5_000;

interface TimelineEntry {
  at: string;
  from: string;
  to: string;
  weight: number;
  actor: string;
  reason: string;
}

interface Rollout {
  id: string;
  phase: 'Progressing' | 'Paused' | 'Completed' | 'RolledBack';
  reason: string;
  weight: number;
  startedAt: string;
  timeline: TimelineEntry[];
}

interface AuditItem {
  at: string;
  actor: string;
  action: string;
  reason?: string;
  after?: { phase?: string; weight?: number } | null;
}

/** A Node process in its own process group, so that stopping it stops everything it started. */
class GroupProcess {
  readonly lines: string[] = [];
  readonly exited: Promise<number | null>;
  #stderr = '';

  constructor(
    readonly child: ChildProcess,
    name: string,
  ) {
    let partial = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      const parts = (partial + chunk.toString()).split('\n');
      partial = parts.pop() ?? '';
      this.lines.push(...parts);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr += chunk.toString();
    });
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    processes.set(this, name);
  }

  static start(script: string, args: string[], env: Record<string, string> = {}): GroupProcess {
    const child = spawn(process.execPath, [script, ...args], {
      env: { ...(process.env as Record<string, string>), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    return new GroupProcess(child, script);
  }

  get stderr(): string {
    return this.#stderr;
  }

  /** SIGTERM to the group (SIGKILL after 10 s); resolves with the exit code. */
  async stop(): Promise<number | null> {
    const pid = this.child.pid;
    if (pid !== undefined && this.child.exitCode === null && this.child.signalCode === null) {
      process.kill(-pid, 'SIGTERM');
      const killer = setTimeout(() => {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 10_000);
      const code = await this.exited;
      clearTimeout(killer);
      processes.delete(this);
      return code;
    }
    processes.delete(this);
    return this.child.exitCode;
  }

  /** The demo app's JSON event lines. */
  events(): Array<Record<string, unknown> & { event: string; at: string }> {
    return this.lines.flatMap((line) => {
      try {
        return [JSON.parse(line)];
      } catch {
        return [];
      }
    });
  }
}

const processes = new Map<GroupProcess, string>();
const daemons: DaemonProcess[] = [];

afterEach(async () => {
  for (const p of [...processes.keys()]) await p.stop();
  await OpenFeature.clearProviders();
  for (const d of daemons.splice(0)) await d.stop();
});

afterAll(async () => {
  await OpenFeature.close();
});

async function json<T>(res: Response): Promise<T> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** canaryd at 60×, an app token, the pack applied at 2.3.1 (stable) and then at 2.4.0 (the rollout). */
async function startRollout(): Promise<{ daemon: DaemonProcess; appToken: string; rolloutId: string }> {
  const daemon = await startDaemon({ args: ['--time-scale', String(TIME_SCALE)] });
  daemons.push(daemon);
  const { token: appToken } = await json<{ token: string }>(
    await api(daemon, '/api/v1/tokens', {
      method: 'POST',
      json: { name: 'demo-app', scopes: ['evaluate', 'ingest'] },
    }),
  );
  const pack = readFileSync(PACK_FILE, 'utf8');
  for (const version of [STABLE, CANARY]) {
    await json(
      await api(daemon, `/api/v1/packs/${PACK}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/yaml' },
        body: pack.replace(`version: "${CANARY}"`, `version: "${version}"`),
      }),
    );
  }
  const { liveRollout } = await json<{ liveRollout: string | null }>(
    await api(daemon, `/api/v1/packs/${PACK}`),
  );
  expect(liveRollout).toBeTruthy();
  return { daemon, appToken, rolloutId: liveRollout as string };
}

function startDemo(daemon: DaemonProcess, appToken: string, scenario: string): GroupProcess {
  return GroupProcess.start(
    DEMO_MAIN,
    [
      '--url',
      daemon.url,
      '--scenario',
      scenario,
      '--time-scale',
      String(TIME_SCALE),
      '--duration',
      '3m',
      '--stats-interval',
      '250ms',
    ],
    { CANARY_TOKEN: appToken },
  );
}

const getRollout = async (daemon: DaemonProcess, id: string) =>
  json<Rollout>(await api(daemon, `/api/v1/rollouts/${id}`));

/** Polls the rollout until `done` holds; fails with the last state after `timeoutMs`. */
async function waitForRollout(
  daemon: DaemonProcess,
  id: string,
  done: (r: Rollout) => boolean,
  timeoutMs: number,
): Promise<Rollout> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rollout = await getRollout(daemon, id);
    if (done(rollout)) return rollout;
    if (Date.now() > deadline) {
      throw new Error(
        `rollout still ${rollout.phase} (${rollout.reason}) at ${rollout.weight}% after ${timeoutMs} ms`,
      );
    }
    await sleep(250);
  }
}

const ended = (r: Rollout) => r.phase === 'Completed' || r.phase === 'RolledBack';

const auditOf = async (daemon: DaemonProcess) =>
  (await json<{ items: AuditItem[] }>(await api(daemon, `/api/v1/audit?pack=${PACK}&limit=200`))).items;

describe('the demo scenarios through real processes', () => {
  it('success: `pnpm start` rolls 2.4.0 out step by step to completion, every step in the audit log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'canary-start-'));
    const port = await freePort();
    const adminToken = `scenario-admin-${Date.now()}-0123456789`;
    const launcher = GroupProcess.start(START_MAIN, ['--scenario', 'success', '--keep-running'], {
      CANARYD_PORT: String(port),
      CANARYD_DB: join(dir, 'canary.db'),
      CANARYD_ADMIN_TOKEN: adminToken,
      CANARYD_LOG_LEVEL: 'warn',
    });
    const daemon = { url: `http://127.0.0.1:${port}`, adminToken } as DaemonProcess;
    try {
      const deadline = Date.now() + 120_000;
      while (!launcher.lines.some((l) => l.includes('canaryd keeps running'))) {
        if (launcher.child.exitCode !== null) throw new Error(`pnpm start exited: ${launcher.stderr}`);
        if (Date.now() > deadline) throw new Error(`no end of rollout:\n${launcher.lines.join('\n')}`);
        await sleep(250);
      }
      const out = launcher.lines.join('\n');
      expect(out).toContain(`http://127.0.0.1:${port}/ui`);
      expect(out).toContain('Rollout completed');
      expect(out).not.toContain(adminToken); // a token the user gave is never echoed

      const [rollout] = await json<Rollout[]>(await api(daemon, `/api/v1/rollouts?pack=${PACK}`));
      expect(rollout?.phase).toBe('Completed');
      const detail = await getRollout(daemon, rollout?.id ?? '');
      expect(detail.timeline.some((e) => e.to === 'RolledBack')).toBe(false);

      const audit = await auditOf(daemon);
      const transitions = audit.filter((item) => item.action.startsWith('rollout.'));
      const weights = transitions.map((item) => item.after?.weight);
      for (const weight of [25, 50, 100]) expect(weights, JSON.stringify(audit)).toContain(weight);
      expect(transitions.some((item) => item.after?.phase === 'Completed')).toBe(true);
      expect(audit.some((item) => item.action === 'pack.apply')).toBe(true);

      // Ctrl-C: the launcher stops the demo app and canaryd, and exits 130.
      launcher.child.kill('SIGINT');
      expect(await launcher.exited).toBe(130);
      await expect(fetch(`${daemon.url}/readyz`)).rejects.toThrow();
    } finally {
      await launcher.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);

  it("quality: `pnpm start --scenario quality` rolls back on the judge's eval pass rate alone", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'canary-start-'));
    const port = await freePort();
    const adminToken = `scenario-admin-${Date.now()}-0123456789`;
    const launcher = GroupProcess.start(START_MAIN, ['--scenario', 'quality', '--keep-running'], {
      CANARYD_PORT: String(port),
      CANARYD_DB: join(dir, 'canary.db'),
      CANARYD_ADMIN_TOKEN: adminToken,
      CANARYD_LOG_LEVEL: 'warn',
    });
    const daemon = { url: `http://127.0.0.1:${port}`, adminToken } as DaemonProcess;
    try {
      const deadline = Date.now() + 120_000;
      while (!launcher.lines.some((l) => l.includes('canaryd keeps running'))) {
        if (launcher.child.exitCode !== null) throw new Error(`pnpm start exited: ${launcher.stderr}`);
        if (Date.now() > deadline) throw new Error(`no end of rollout:\n${launcher.lines.join('\n')}`);
        await sleep(250);
      }
      const out = launcher.lines.join('\n');
      expect(out).toContain('the judge scores sampled traffic');
      expect(out).toMatch(/Rollout rolled back: eval_pass_rate:judge failed/);

      const [rollout] = await json<Rollout[]>(await api(daemon, `/api/v1/rollouts?pack=${PACK}`));
      expect(rollout?.phase).toBe('RolledBack');
      const detail = await json<Rollout & { evaluation?: { scored: number } }>(
        await api(daemon, `/api/v1/rollouts/${rollout?.id}`),
      );
      expect(detail.evaluation?.scored).toBeGreaterThanOrEqual(1);
      // Latency and errors looked fine: no other gated check failed.
      const analysis = await json<{ checks: Array<{ metric: string; result: string }> }>(
        await api(daemon, `/api/v1/rollouts/${rollout?.id}/analysis?window=rollout`),
      );
      const failing = analysis.checks.filter((c) => c.result === 'Fail').map((c) => c.metric);
      expect(failing).toContain('eval_pass_rate:judge');
      expect(failing.filter((metric) => /latency|success|error/.test(metric))).toEqual([]);
    } finally {
      await launcher.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);

  it('regression: rolled back automatically within the bound, and providers see weight 0 by push', async () => {
    const { daemon, appToken, rolloutId } = await startRollout();
    // A second app: its provider follows the sync stream; find sessions that it serves the canary at 10%.
    await OpenFeature.setProviderAndWait(
      'probe',
      new PromptCanaryProvider({ baseUrl: daemon.url, token: appToken }),
    );
    const probe = OpenFeature.getClient('probe');
    const served = async (key: string) => probe.getStringValue(PACK, 'none', { targetingKey: key });
    const canaryKeys: string[] = [];
    for (let i = 0; i < 500; i++) if ((await served(`probe-${i}`)) === CANARY) canaryKeys.push(`probe-${i}`);
    expect(canaryKeys.length).toBeGreaterThan(20);
    let zeroAt: number | undefined;
    const watch = setInterval(async () => {
      if (zeroAt !== undefined) return;
      const values = await Promise.all(canaryKeys.map(served));
      if (values.every((v) => v === STABLE)) zeroAt ??= Date.now();
    }, 20);

    const demo = startDemo(daemon, appToken, 'regression');
    try {
      const rollout = await waitForRollout(daemon, rolloutId, ended, 60_000);
      expect(rollout.phase).toBe('RolledBack');
      expect(rollout.weight).toBe(0);
      expect(rollout.reason).toMatch(/latency/);
      const rollback = rollout.timeline.find((e) => e.to === 'RolledBack');
      expect(rollback?.actor).not.toMatch(/admin|operator/);
      const rolledBackAt = Date.parse(rollback?.at ?? '');
      // The canary is 800 ms slower from its first request: the breach starts with the rollout. The first
      // conclusive look needs one interval of samples, then failureThreshold failed looks; export and slice slack.
      const startedAt = Date.parse(rollout.startedAt);
      // Slack of one more look: on a loaded machine (the other core busy) a look can start late.
      expect(rolledBackAt - startedAt).toBeLessThanOrEqual((FAILURE_THRESHOLD + 2) * INTERVAL_MS + 3_000);

      await sleep(PUSH_BOUND_MS + 1_500);
      clearInterval(watch);
      expect(zeroAt, 'the probe provider never saw weight 0').toBeDefined();
      expect((zeroAt as number) - rolledBackAt).toBeLessThan(PUSH_BOUND_MS);
      expect(zeroAt).toBeGreaterThanOrEqual(rolledBackAt - 50); // not before the rollback (one clock)

      // The demo app itself: no session is served the canary once the push had time to arrive.
      const stats = demo.events().filter((e) => e.event === 'stats');
      const canaryServed = (e: (typeof stats)[number]) =>
        (e.byRole as { canary: { requests: number } }).canary.requests;
      const settled = stats.find((e) => Date.parse(e.at) >= rolledBackAt + PUSH_BOUND_MS);
      const last = stats.at(-1);
      expect(settled && last).toBeTruthy();
      if (settled && last) expect(canaryServed(last)).toBe(canaryServed(settled));

      const audit = await auditOf(daemon);
      expect(
        audit.some((item) => item.action.startsWith('rollout.') && item.after?.phase === 'RolledBack'),
      ).toBe(true);
    } finally {
      clearInterval(watch);
    }
  }, 120_000);

  it('tradeoff: cheaper and faster but less liked: paused or rolled back, the reason naming satisfaction', async () => {
    const { daemon, appToken, rolloutId } = await startRollout();
    startDemo(daemon, appToken, 'tradeoff');
    const rollout = await waitForRollout(
      daemon,
      rolloutId,
      (r) => ended(r) || (r.phase === 'Paused' && r.reason !== ''),
      90_000,
    );
    expect(['Paused', 'RolledBack']).toContain(rollout.phase);
    expect(rollout.reason).toMatch(/satisfaction/);

    // Side by side: the canary is cheaper and faster, and less liked.
    const analysis = await json<{
      arms: Record<'stable' | 'canary', { metrics: Record<string, number> }>;
    }>(await api(daemon, `/api/v1/rollouts/${rolloutId}/analysis?window=rollout`));
    const { stable, canary } = analysis.arms;
    expect(canary.metrics.tokens_per_request).toBeLessThan(stable.metrics.tokens_per_request ?? 0);
    expect(canary.metrics.latency_p50).toBeLessThan(stable.metrics.latency_p50 ?? 0);
    expect(canary.metrics.satisfaction).toBeLessThan(stable.metrics.satisfaction ?? 0);
  }, 120_000);

  it('aa: an identical canary completes without a rollback', async () => {
    const { daemon, appToken, rolloutId } = await startRollout();
    startDemo(daemon, appToken, 'aa');
    const rollout = await waitForRollout(daemon, rolloutId, (r) => ended(r) || r.phase === 'Paused', 120_000);
    expect(rollout.phase, rollout.reason).toBe('Completed');
    expect(rollout.timeline.some((e) => e.to === 'RolledBack' || e.to === 'Paused')).toBe(false);
    expect(rollout.timeline.map((e) => e.weight)).toEqual(expect.arrayContaining([10, 25, 50, 100]));
  }, 150_000);
});
