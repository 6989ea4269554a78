import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startFakeSyncServer } from './testing/fake-sync-server.js';

const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

/** Runs a script in a fresh Node process; resolves with its exit code, or 'timeout' when it does not exit. */
function runNode(script: string, timeoutMs: number): Promise<{ code: number | 'timeout'; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ code: 'timeout', stderr });
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stderr });
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
      `;
      // The bound only catches a process that never exits; it is far above the few seconds a loaded machine
      // needs to start Node, import the package and run the script, so load cannot fail the test.
      const result = await runNode(script, 60_000);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(server.trackedEvents).toHaveLength(1);
    } finally {
      await server.close();
    }
  }, 90_000);
});
