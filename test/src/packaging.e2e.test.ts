import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli } from './cli-process.js';
import { api, type DaemonProcess, repoRoot, startDaemon } from './daemon-process.js';

/**
 * The tools as a user outside the repository gets them: each package packed with `pnpm pack`, the tarballs
 * installed with `npm install` into a folder outside the workspace (better-sqlite3 is built from source there, which
 * takes minutes), then `canaryd`, `canary` and the provider run from that folder.
 *
 * Gated: it runs in CI (`CI=true`) or with `PROMPT_CANARY_PACKAGING=1`, because the native build and the package
 * downloads take three minutes or more, too long for every local `pnpm test`.
 */
const enabled = process.env.CI === 'true' || process.env.PROMPT_CANARY_PACKAGING === '1';
if (!enabled) console.warn('skipping the packaging e2e: set PROMPT_CANARY_PACKAGING=1 (CI runs it)');

const PACKAGES = [
  'packages/rules',
  'packages/analysis',
  'packages/api-types',
  'packages/openfeature-provider',
  'apps/daemon',
  'apps/cli',
] as const;

const MINUTES = 60_000;

function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const child = spawn(command, args, {
    cwd,
    env: { ...(process.env as Record<string, string>), ...env },
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
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, stdout, stderr })),
  );
}

async function ok(command: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const result = await run(command, args, cwd, env);
  if (result.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.code}:\n${result.stderr}\n${result.stdout}`,
    );
  }
  return result;
}

function packageJson(dir: string): { name: string; version: string } {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; version: string };
}

/** The commands of README's "Installing the tools on another machine" block, comments removed. */
function readmeInstallBlock(): string[] {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Installing the tools on another machine'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block
    .split('\n')
    .map((line) => line.replace(/\s+# .*$/, ''))
    .filter((line) => line.trim() !== '');
}

describe.skipIf(!enabled)('the packed tools installed with npm outside the workspace', () => {
  let root: string;
  let tarballs: Map<string, string>;
  let tools: string;
  let readme: { stdout: string };
  let daemon: DaemonProcess | undefined;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'prompt-canary-packed-'));
    const dest = join(root, 'tarballs');
    tools = join(root, 'tools');
    // README's block as written, with its two folders moved under this test's temporary folder; its last line
    // (the daemon, which runs until stopped) is started by the test below.
    const block = readmeInstallBlock();
    expect(block.at(-1)).toBe('npx canaryd --db ./canary.db');
    const script = block
      .slice(0, -1)
      .join('\n')
      .replaceAll('/tmp/prompt-canary', dest)
      .replaceAll('~/canary-tools', tools);
    readme = await ok('sh', ['-c', `set -e\n${script}`], repoRoot);
    await ok('pnpm', ['pack', '--pack-destination', dest], join(repoRoot, 'packages/openfeature-provider'));
    tarballs = new Map(
      PACKAGES.map((pkg) => {
        const { name, version } = packageJson(join(repoRoot, pkg));
        const file = `${name.replace('@', '').replace('/', '-')}-${version}.tgz`;
        return [name, join(dest, file)];
      }),
    );
    expect(readdirSync(dest).sort()).toEqual(
      [...tarballs.values()].map((t) => t.slice(dest.length + 1)).sort(),
    );
  }, 15 * MINUTES);

  afterAll(async () => {
    await daemon?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('installs packages whose dependencies name versions, not workspace ranges', () => {
    for (const name of ['rules', 'analysis', 'api-types', 'daemon', 'cli']) {
      const manifest = readFileSync(join(tools, 'node_modules/@prompt-canary', name, 'package.json'), 'utf8');
      expect(manifest, name).not.toContain('workspace:');
    }
  });

  it("prints canaryd's version and canary's help from the install (README's npx lines)", () => {
    const version = packageJson(join(repoRoot, 'apps/daemon')).version;
    expect(readme.stdout).toMatch(new RegExp(`^${version.replaceAll('.', '\\.')}\nUsage: canary `, 'm'));
    expect(readme.stdout).toContain('tokens');
  });

  it('starts the installed daemon with its dashboard, and the installed CLI applies a pack and reads it', async () => {
    // README's last line, `npx canaryd --db ./canary.db`, on a free port and a temporary database.
    daemon = await startDaemon({ main: join(tools, 'node_modules/.bin/canaryd') });
    const page = await fetch(`${daemon.url}/ui`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('app.js');
    expect((await fetch(`${daemon.url}/ui/app.js`)).status).toBe(200);

    const cli = join(tools, 'node_modules/.bin/canary');
    const canary = (args: string[]) => spawnCli(daemon as DaemonProcess, args, {}, cli).exited;
    const example = readFileSync(join(repoRoot, 'examples/ramp.yaml'), 'utf8');
    const stableFile = join(root, 'stable.yaml');
    writeFileSync(stableFile, example.replace('version: "2.4.0"', 'version: "2.3.1"'));
    expect((await canary(['apply', '-f', stableFile])).code).toBe(0);
    const applied = await canary(['apply', '-f', join(repoRoot, 'examples/ramp.yaml')]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/Progressing 2\.3\.1 → 2\.4\.0 at 10%/);
    const status = await canary(['status', 'support-prompts', '-o', 'json']);
    expect(JSON.parse(status.stdout)).toMatchObject({
      rollout: { phase: 'Progressing', stableVersion: '2.3.1', canaryVersion: '2.4.0', weight: 10 },
    });
  });

  it(
    'installs the OpenFeature provider into a plain npm app, which evaluates against the daemon',
    async () => {
      const app = join(root, 'app');
      mkdirSync(app);
      writeFileSync(
        join(app, 'package.json'),
        JSON.stringify({ name: 'app', private: true, type: 'module' }),
      );
      await ok(
        'npm',
        [
          'install',
          '--no-audit',
          '--no-fund',
          tarballs.get('@prompt-canary/rules') as string,
          tarballs.get('@prompt-canary/openfeature-provider') as string,
          '@openfeature/server-sdk@^1.17.0',
          '@opentelemetry/api@^1.9.0',
        ],
        app,
      );
      writeFileSync(
        join(app, 'main.js'),
        [
          "import { OpenFeature } from '@openfeature/server-sdk';",
          "import { PromptCanaryProvider } from '@prompt-canary/openfeature-provider';",
          'const provider = new PromptCanaryProvider({ baseUrl: process.env.CANARY_URL, token: process.env.APP_TOKEN });',
          'await OpenFeature.setProviderAndWait(provider);',
          "const details = await OpenFeature.getClient().getStringDetails('support-prompts', 'none', { targetingKey: 'session-7' });",
          'console.log(JSON.stringify({ value: details.value, reason: details.reason }));',
          'await OpenFeature.close();',
        ].join('\n'),
      );
      const d = daemon as DaemonProcess;
      const created = await api(d, '/api/v1/tokens', {
        method: 'POST',
        json: { name: 'packed-app', scopes: ['evaluate', 'ingest'] },
      });
      const { token } = (await created.json()) as { token: string };
      const served = await ok(process.execPath, ['main.js'], app, { CANARY_URL: d.url, APP_TOKEN: token });
      const ofrep = await api(d, '/ofrep/v1/evaluate/flags/support-prompts', {
        method: 'POST',
        json: { context: { targetingKey: 'session-7' } },
      });
      const expected = (await ofrep.json()) as { value: string };
      expect(JSON.parse(served.stdout)).toEqual({ value: expected.value, reason: 'SPLIT' });
    },
    5 * MINUTES,
  );
});
