import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliMain, spawnCli as spawnOn } from './cli-process.js';
import { api, type DaemonProcess, repoRoot, startDaemon } from './daemon-process.js';

/** The repository's ramp example (10% steps every 5 minutes, success rate ≥ 90%, p99 latency ≤ 3000 ms). */
const examplePack = join(repoRoot, 'examples', 'ramp.yaml');

describe('the canary CLI against the real daemon', () => {
  let daemon: DaemonProcess;
  let dir: string;
  const pack = 'support-prompts';

  const spawnCli = (args: string[], env: Record<string, string> = {}) => spawnOn(daemon, args, env);
  const canary = (args: string[], env: Record<string, string> = {}) => spawnCli(args, env).exited;

  /** The example pack with another version (and optionally another step interval). */
  function packFile(version: string): string {
    const file = join(dir, `pack-${version}.yaml`);
    writeFileSync(
      file,
      readFileSync(examplePack, 'utf8').replace('version: "2.4.0"', `version: "${version}"`),
    );
    return file;
  }

  async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  beforeAll(async () => {
    if (!existsSync(cliMain)) throw new Error(`${cliMain} is missing: run pnpm build first`);
    dir = mkdtempSync(join(tmpdir(), 'canary-cli-e2e-'));
    daemon = await startDaemon();
  });

  afterAll(async () => {
    expect(await daemon?.stop()).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies the example pack unchanged: the first version becomes stable', async () => {
    const run = await canary(['apply', '-f', examplePack]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain('+  version: 2.4.0');
    expect(run.stdout).toContain('support-prompts: revision 1, created; 2.4.0 is stable');
    const again = await canary(['apply', '-f', examplePack, '--dry-run']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('no changes against the live pack');
    expect(again.stdout).toContain('dry run: no-op');
    const packs = await canary(['get', 'packs']);
    expect(packs.stdout).toMatch(/support-prompts\s+2\.4\.0\s+2\.4\.0\s+—\s+1/);
  });

  it('shows the diff and the rollout a new version would start, without writing on a dry run', async () => {
    const run = await canary(['apply', '-f', packFile('2.5.0'), '--dry-run']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('-  version: 2.4.0\n+  version: 2.5.0');
    expect(run.stdout).toContain('dry run: would start a rollout 2.4.0 → 2.5.0');
    expect(await (await api(daemon, '/api/v1/rollouts')).json()).toEqual([]);
  });

  it('applies a new version: a rollout starts and status shows it', async () => {
    const run = await canary(['apply', '-f', packFile('2.5.0')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/rollout \S+: Progressing 2\.4\.0 → 2\.5\.0 at 10%/);
    const status = await canary(['status', pack]);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/Phase:\s+◌ Progressing/);
    expect(status.stdout).toMatch(/Step:\s+1\/10/);
    expect(status.stdout).toMatch(/Weight:\s+10% \(effective 10%\)/);
    expect(status.stdout).toContain('stable 2.4.0  →  canary 2.5.0');
    // No telemetry yet: every gated metric is listed, inconclusive.
    expect(status.stdout).toMatch(/Metric\s+stable\s+canary\s+threshold\s+n \(stable \/ canary\)\s+Status/);
    expect(status.stdout).toMatch(/success_rate.*≥ 90\.0%.*Inconclusive/);
    expect(status.stdout).toMatch(/latency_p99.*≤ 3,000 ms.*Inconclusive/);
    const json = await canary(['status', pack, '--output', 'json']);
    const parsed = JSON.parse(json.stdout) as { rollout: { canaryVersion: string; phase: string } };
    expect(parsed.rollout).toMatchObject({ canaryVersion: '2.5.0', phase: 'Progressing' });
    const list = JSON.parse((await canary(['get', 'rollouts', '-o', 'json'])).stdout) as unknown[];
    expect(list).toHaveLength(1);
  });

  it('pauses, resumes and promotes with reasons; another version meanwhile is refused', async () => {
    const paused = await canary(['pause', pack, '--reason', 'checking a report']);
    expect(paused.code).toBe(0);
    expect(paused.stdout).toContain('Paused Manual: checking a report');
    expect((await canary(['status', pack])).stdout).toMatch(/Phase:\s+॥ Paused\s+Manual: checking a report/);
    expect((await canary(['resume', pack])).code).toBe(0);
    const promoted = await canary(['promote', pack, '--reason', 'looks good']);
    expect(promoted.code).toBe(0);
    expect(promoted.stdout).toMatch(/step 2\/10, weight 20%/);
    const refused = await canary(['apply', '-f', packFile('2.6.0')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: rollout_in_progress: .+\n$/);
  });

  it('rolls back with a reason; the history shows every reason', async () => {
    const rolled = await canary(['rollback', pack, '--reason', 'too slow for EU']);
    expect(rolled.code).toBe(0);
    expect(rolled.stdout).toContain('RolledBack too slow for EU');
    const again = await canary(['rollback', pack]);
    expect(again).toMatchObject({ code: 1 });
    expect(again.stderr).toMatch(/^error: rollout_not_active: /);
    const history = await canary(['history', pack]);
    expect(history.code).toBe(0);
    for (const reason of ['checking a report', 'looks good', 'too slow for EU'])
      expect(history.stdout).toContain(reason);
    const json = JSON.parse((await canary(['history', pack, '-o', 'json'])).stdout) as {
      items: { reason: string }[];
    };
    expect(json.items.map((i) => i.reason)).toContain('too slow for EU');
  });

  it('exits 1 with unauthorized for a wrong token, and 2 for bad usage', async () => {
    const wrong = await canary(['get', 'rollouts', '--token', 'not-a-token']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^error: unauthorized: /);
    expect(wrong.stderr.trim().split('\n')).toHaveLength(1);
    expect((await canary(['get', 'flags'])).code).toBe(2);
    expect((await canary(['apply'])).code).toBe(2);
    expect((await canary(['status'])).code).toBe(2);
  });

  it('watch exits 3 when the rollout is rolled back from another process', async () => {
    expect((await canary(['apply', '-f', packFile('2.5.0')])).code).toBe(0);
    // An hour between re-reads: only the event stream can end this watch within the test's time.
    const watch = spawnCli(['watch', pack, '--interval', '60m']);
    await until(() => watch.stdout().includes('Progressing'), 'the first frame of watch');
    const live = (await (await api(daemon, `/api/v1/packs/${pack}`)).json()) as { liveRollout: string };
    const res = await api(daemon, `/api/v1/rollouts/${live.liveRollout}/rollback`, {
      method: 'POST',
      json: { reason: 'rolled back elsewhere' },
    });
    expect(res.status).toBe(200);
    const run = await watch.exited;
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/✖ RolledBack .*rolled back elsewhere/);
  });

  it('watch exits 0 when the rollout completes', async () => {
    expect((await canary(['apply', '-f', packFile('2.5.0')])).code).toBe(0);
    const watch = spawnCli(['watch', pack]);
    await until(() => watch.stdout().includes('Progressing'), 'the first frame of watch');
    expect((await canary(['promote', pack, '--full', '--reason', 'ship it'])).code).toBe(0);
    const run = await watch.exited;
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('✔ Completed');
    expect((await canary(['status', pack])).stdout).toMatch(/Phase:\s+✔ Completed/);
  });

  it('exports every flag as a flagd file', async () => {
    const run = await canary(['export', 'flagd']);
    expect(run.code).toBe(0);
    const flagd = JSON.parse(run.stdout) as { flags: Record<string, { defaultVariant?: string }> };
    expect(Object.keys(flagd.flags)).toContain(pack);
  });
});
