/**
 * A PromptPack version carries its prompts, end to end: a pack with prompts applied by `canary apply -f` (a prompt
 * read from a file beside the YAML), an app process with the real OpenFeature SDK and our provider reading the
 * bundle of its assigned version without network calls after the first sync, a 10% rollout of a new text, a
 * rollback that gives everyone the old text within a second, OFREP and flagd-core agreeing on every unit's bundle,
 * and a changed text under an applied version refused with 409.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { FlagdCore } from '@openfeature/flagd-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli } from './cli-process.js';
import { api, type DaemonProcess, startDaemon } from './daemon-process.js';

const APP = fileURLToPath(new URL('./apps/prompt-app.mjs', import.meta.url));
const UNITS = Array.from({ length: 1000 }, (_, i) => `session-${i}`);
const OLD_TEXT = 'You are a support agent. Answer in two sentences.';
const NEW_TEXT = 'You are a warm support agent. Answer in two sentences, then offer more help.';

function packYaml(version: string, model: string, rollout = ''): string {
  return `apiVersion: promptcanary.dev/v1alpha1
kind: PromptPack
metadata:
  name: support-prompts
spec:
  version: "${version}"
  prompts:
    system: { file: ./system.md, role: system }
    greeting: "Hello! How can I help?"
  model: { name: gpt-x, parameters: { ${model} } }
  attributes: { ticketTags: [billing, refunds] }
  rollout:
    canaryWeight: 10
    stepWeight: 10
    stepInterval: 1h
${rollout}`;
}

/** The app child process and its line protocol. */
class App {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #lines: Interface;
  readonly #pending: Array<(message: Record<string, unknown>) => void> = [];
  #stderr = '';

  constructor(daemon: DaemonProcess, token: string) {
    this.#child = spawn(process.execPath, [APP], {
      env: { ...process.env, CANARY_URL: daemon.url, CANARY_TOKEN: token },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.#child.stderr.on('data', (chunk: Buffer) => {
      this.#stderr += chunk.toString();
    });
    this.#lines = createInterface({ input: this.#child.stdout });
    this.#lines.on('line', (line) => this.#pending.shift()?.(JSON.parse(line)));
  }

  /** Sends a command; the answer, or a failure after a generous bound (a hang guard on a loaded machine). */
  ask(command: Record<string, unknown>, timeoutMs = 30_000): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the app did not answer ${command.op}: ${this.#stderr}`)),
        timeoutMs,
      );
      this.#pending.push((message) => {
        clearTimeout(timer);
        resolve(message);
      });
      this.#child.stdin.write(`${JSON.stringify(command)}\n`);
    });
  }

  async read(units: string[]) {
    return (await this.ask({ op: 'read', units })) as {
      bundles: Record<string, { version: string; system: string; temperature: number }>;
      requests: string[];
    };
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#child.stdin.write(`${JSON.stringify({ op: 'exit' })}\n`);
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

let daemon: DaemonProcess;
let app: App;
let dir: string;

async function canary(args: string[]) {
  return spawnCli(daemon, args).exited;
}

async function ofrep(token: string, key: string, targetingKey: string) {
  const response = await api(daemon, `/ofrep/v1/evaluate/flags/${key}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    json: { context: { targetingKey } },
  });
  return (await response.json()) as { value: unknown; variant: string };
}

beforeAll(async () => {
  daemon = await startDaemon();
  dir = mkdtempSync(join(tmpdir(), 'prompts-e2e-'));
});

afterAll(async () => {
  await app?.stop();
  await daemon?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('a PromptPack version carries its prompts', () => {
  it('serves each unit its version’s text, ramps a new text to 10%, rolls it back within a second, and refuses a changed 2.4.0', async () => {
    // 2.3.1, with its system prompt in a file beside the YAML.
    writeFileSync(join(dir, 'system.md'), OLD_TEXT);
    writeFileSync(join(dir, 'pack.yaml'), packYaml('2.3.1', 'temperature: 0.2'));
    const created = await canary(['apply', '-f', join(dir, 'pack.yaml')]);
    expect(created.code, created.stderr).toBe(0);

    const tokenAnswer = await api(daemon, '/api/v1/tokens', {
      method: 'POST',
      json: { name: 'prompt-app', scopes: ['evaluate'] },
    });
    const appToken = ((await tokenAnswer.json()) as { token: string }).token;
    app = new App(daemon, appToken);

    let first = await app.read(UNITS);
    for (const unit of UNITS) {
      expect(first.bundles[unit]).toEqual({ version: '2.3.1', system: OLD_TEXT, temperature: 0.2 });
    }
    // The first sync: the snapshot, then the stream (opened just after the provider is ready).
    const synced = Date.now() + 20_000;
    while (!first.requests.includes('/api/v1/sync')) {
      if (Date.now() > synced) throw new Error('the provider never opened the sync stream');
      await new Promise((resolve) => setTimeout(resolve, 50));
      first = await app.read(UNITS.slice(0, 1));
    }
    expect(first.requests).toEqual(['/api/v1/config', '/api/v1/sync']);
    const afterFirstSync = first.requests.length;

    // 2.4.0: a new text and temperature. The dry run shows the content diff; the apply starts a 10% rollout.
    writeFileSync(join(dir, 'system.md'), NEW_TEXT);
    writeFileSync(join(dir, 'pack.yaml'), packYaml('2.4.0', 'temperature: 0.7'));
    const dryRun = await canary(['apply', '--dry-run', '-f', join(dir, 'pack.yaml')]);
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(dryRun.stdout).toContain(`-${OLD_TEXT}`);
    expect(dryRun.stdout).toContain(`+${NEW_TEXT}`);
    expect(dryRun.stdout).toContain('+temperature: 0.7');
    expect(dryRun.stdout).toContain('would start a rollout 2.3.1 → 2.4.0');
    const started = await canary(['apply', '-f', join(dir, 'pack.yaml')]);
    expect(started.code, started.stderr).toBe(0);

    const diff = await canary(['diff', 'support-prompts']);
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout).toContain('--- support-prompts 2.3.1');
    expect(diff.stdout).toContain('+++ support-prompts 2.4.0');
    expect(diff.stdout).toContain('-temperature: 0.2');

    // The app sees the rollout through the stream it already holds: 10% of units read the new text.
    let ramped = await app.read(UNITS);
    const deadline = Date.now() + 20_000;
    while (!UNITS.some((unit) => ramped.bundles[unit]?.version === '2.4.0')) {
      if (Date.now() > deadline) throw new Error('the rollout never reached the app');
      await new Promise((resolve) => setTimeout(resolve, 50));
      ramped = await app.read(UNITS);
    }
    const onNew = UNITS.filter((unit) => ramped.bundles[unit]?.version === '2.4.0');
    expect(onNew.length / UNITS.length).toBeGreaterThan(0.06);
    expect(onNew.length / UNITS.length).toBeLessThan(0.14);
    for (const unit of UNITS) {
      const read = ramped.bundles[unit];
      expect(read?.system).toBe(read?.version === '2.4.0' ? NEW_TEXT : OLD_TEXT);
      expect(read?.temperature).toBe(read?.version === '2.4.0' ? 0.7 : 0.2);
    }
    // Thousands of reads, a rollout pushed: no request beyond the first sync's (the snapshot and the stream).
    expect(ramped.requests.length).toBe(afterFirstSync);

    // OFREP and flagd-core evaluating the export give every unit the bundle the app read.
    const exported = await (await api(daemon, '/api/v1/flagd.json')).json();
    const flagd = new FlagdCore();
    flagd.setConfigurations(JSON.stringify(exported));
    for (const unit of UNITS.slice(0, 300)) {
      const remote = await ofrep(appToken, 'support-prompts.content', unit);
      const pack = await ofrep(appToken, 'support-prompts', unit);
      const local = flagd.resolveObjectEvaluation('support-prompts.content', {}, { targetingKey: unit });
      expect(remote.variant).toBe(ramped.bundles[unit]?.version);
      expect(pack.variant).toBe(remote.variant);
      expect(local.variant).toBe(remote.variant);
      expect(local.value).toEqual(remote.value);
      expect((remote.value as { prompts: { system: { text: string } } }).prompts.system.text).toBe(
        ramped.bundles[unit]?.system,
      );
    }

    // A rollback gives every unit the old text within a second of the request.
    const rollouts = (await (await api(daemon, '/api/v1/rollouts?pack=support-prompts')).json()) as Array<{
      id: string;
    }>;
    const rolledBack = app.ask({ op: 'await', units: UNITS, text: OLD_TEXT });
    const sentAt = Date.now();
    const rollback = await api(daemon, `/api/v1/rollouts/${rollouts[0]?.id}/rollback`, {
      method: 'POST',
      json: { reason: 'e2e' },
    });
    expect(rollback.status).toBe(200);
    const { at } = (await rolledBack) as { at: number };
    expect(at - sentAt).toBeLessThan(1000);
    expect((await app.read(UNITS)).requests.length).toBe(afterFirstSync);

    // 2.4.0's content is fixed: the same version with another text is refused, before any rollout rule.
    writeFileSync(join(dir, 'system.md'), `${NEW_TEXT} Edited.`);
    const refused = await canary(['apply', '-f', join(dir, 'pack.yaml')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('version_content_changed');
    const direct = await api(daemon, '/api/v1/packs/support-prompts', {
      method: 'PUT',
      json: {
        apiVersion: 'promptcanary.dev/v1alpha1',
        kind: 'PromptPack',
        metadata: { name: 'support-prompts' },
        spec: { version: '2.4.0', prompts: { system: 'something else' } },
      },
    });
    expect(direct.status).toBe(409);
    expect(((await direct.json()) as { code: string }).code).toBe('version_content_changed');
    const versions = (await (await api(daemon, '/api/v1/packs/support-prompts/versions')).json()) as Array<{
      version: string;
      contentHash: string;
    }>;
    expect(versions.map((v) => v.version)).toEqual(['2.3.1', '2.4.0']);
  }, 180_000);
});
