import { describe, expect, it } from 'vitest';
import { api, runDaemon, startDaemon } from './daemon-process.js';

describe('canaryd start-up and shutdown', () => {
  it('refuses invalid configuration with one line on stderr and exit code 2', async () => {
    const result = await runDaemon(['--port', 'not-a-port', '--db', ':memory:']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      'canaryd: invalid configuration: --port / CANARYD_PORT: must be a number',
    ]);
    const short = await runDaemon(['--db', ':memory:'], { CANARYD_ADMIN_TOKEN: 'too-short' });
    expect(short.code).toBe(2);
    expect(short.stderr).not.toContain('    at ');
  });

  it('prints a first admin token once on stderr, never in the log, and it works', async () => {
    const daemon = await startDaemon({ noAdminToken: true, env: { CANARYD_LOG_LEVEL: 'info' } });
    try {
      const match = /created admin token[^:]*: (\S+)/.exec(daemon.stderr());
      expect(match).not.toBeNull();
      const token = match?.[1] ?? '';
      expect(daemon.stdout()).not.toContain(token);
      const res = await api(daemon, '/api/v1/tokens', { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      // Structured JSON log lines on stdout.
      const lines = daemon.stdout().trim().split('\n');
      expect(lines.every((l) => JSON.parse(l).service === 'canaryd')).toBe(true);
    } finally {
      expect(await daemon.stop()).toBe(0);
    }
  });

  it('finishes gracefully on SIGTERM with a sync stream open', async () => {
    const daemon = await startDaemon();
    const res = await api(daemon, '/api/v1/sync');
    expect(res.status).toBe(200);
    const reader = res.body?.getReader();
    await reader?.read();
    expect(await daemon.stop()).toBe(0);
  });
});
