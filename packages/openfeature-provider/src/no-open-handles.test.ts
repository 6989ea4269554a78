import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startFakeSyncServer } from './testing/fake-sync-server.js';

const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

/** Runs a script in a fresh Node process; resolves with its exit code, or 'timeout' when it does not exit. */
function runNode(
  script: string,
  timeoutMs: number,
): Promise<{ code: number | 'timeout'; stderr: string; stdout: string; exitedAt: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ code: 'timeout', stderr, stdout, exitedAt: Date.now() });
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stderr, stdout, exitedAt: Date.now() });
    });
  });
}

describe('onClose', () => {
  it('leaves no handles: a process that initializes, evaluates, tracks and closes the provider exits by itself', async () => {
    expect(
      existsSync(dist),
      'build the package first (pnpm --filter @prompt-canary/openfeature-provider build)',
    ).toBe(true);
    const server = await startFakeSyncServer({
      flags: { greeting: { key: 'greeting', state: 'ENABLED', variants: { a: 'A' }, defaultVariant: 'a' } },
    });
    try {
      const script = `
        import { PromptCanaryProvider } from ${JSON.stringify(dist)};
        const provider = new PromptCanaryProvider({ baseUrl: ${JSON.stringify(server.baseUrl)}, token: ${JSON.stringify(server.token)} });
        await provider.initialize();
        await new Promise((resolve) => setTimeout(resolve, 200));
        const details = await provider.resolveStringEvaluation('greeting', 'x', { targetingKey: 'u' });
        if (details.value !== 'A') throw new Error('unexpected value ' + details.value);
        provider.track('thumbs_up', { targetingKey: 'u' }, {});
        await provider.onClose();
        console.log('closed ' + Date.now());
      `;
      // Starting Node and importing the package can take long on a loaded machine, so the hard bound is wide; what
      // is asserted is the time from the end of onClose to the exit. A leaked timer, socket or stream would hold
      // the process longer than that (fetch's idle keep-alive sockets close within 4 s on their own).
      const result = await runNode(script, 120_000);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const closedAt = Number(/closed (\d+)/.exec(result.stdout)?.[1]);
      expect(result.exitedAt - closedAt).toBeLessThan(15_000);
      expect(server.trackedEvents).toHaveLength(1);
    } finally {
      await server.close();
    }
  }, 150_000);
});
