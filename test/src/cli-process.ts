import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './daemon-process.js';

/** The built CLI entry point (`pnpm build` makes it). */
export const cliMain = join(repoRoot, 'apps/cli/dist/main.js');

/** How a `canary` run ended. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A running `canary` child process. */
export interface CliChild {
  stdout(): string;
  exited: Promise<CliRun>;
}

/**
 * Starts `node apps/cli/dist/main.js …` against a daemon, with its URL and admin token in `CANARY_URL` /
 * `CANARY_TOKEN` (the caller's own values and colour settings are cleared) and `NO_COLOR`.
 */
export function spawnCli(
  daemon: { url: string; adminToken: string },
  args: string[],
  env: Record<string, string> = {},
  main = cliMain,
): CliChild {
  const base = { ...(process.env as Record<string, string>) };
  delete base.CANARY_URL;
  delete base.CANARY_TOKEN;
  delete base.FORCE_COLOR;
  const child = spawn(process.execPath, [main, ...args], {
    env: { ...base, CANARY_URL: daemon.url, CANARY_TOKEN: daemon.adminToken, NO_COLOR: '1', ...env },
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
  const exited = new Promise<CliRun>((resolve) =>
    child.once('exit', (code) => resolve({ code, stdout, stderr })),
  );
  return { stdout: () => stdout, exited };
}
