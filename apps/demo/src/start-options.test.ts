import { describe, expect, it } from 'vitest';
import { parseDemoOptions } from './demo-options.js';
import { parseStartOptions } from './start-options.js';

describe('pnpm start options', () => {
  it('defaults to the success scenario, a minute-long rollout and a reset of the own daemon', () => {
    expect(parseStartOptions([], {})).toMatchObject({
      scenario: 'success',
      timeScale: 60,
      url: undefined,
      reset: true,
      keepRunning: false,
      stableVersion: '2.3.1',
    });
  });

  it('points the demo at your own daemon with an admin token, real time and no reset unless asked', () => {
    const options = parseStartOptions(['--', '--url', 'http://127.0.0.1:9000/', '--pack', 'my.yaml'], {
      CANARY_TOKEN: 'secret-admin-token',
    });
    expect(options).toMatchObject({
      url: 'http://127.0.0.1:9000',
      token: 'secret-admin-token',
      pack: 'my.yaml',
      timeScale: 1,
      reset: false,
    });
    expect(parseStartOptions(['--url', 'http://x', '--token', 't', '--reset'], {}).reset).toBe(true);
  });

  it('refuses what it cannot run, naming the option', () => {
    expect(() => parseStartOptions(['--url', 'http://x'], {})).toThrow(/--url needs --token/);
    expect(() => parseStartOptions(['--time-scale', '0'], {})).toThrow(/--time-scale/);
    expect(() => parseStartOptions(['--bogus'], {})).toThrow(/bogus/);
  });
});

describe('demo app options', () => {
  it('needs a token and reads the rest with defaults', () => {
    expect(() => parseDemoOptions([], {})).toThrow(/--token/);
    expect(parseDemoOptions(['--rps', '20', '--duration', '30s'], { CANARY_TOKEN: 't' })).toMatchObject({
      url: 'http://127.0.0.1:4000',
      token: 't',
      scenario: 'success',
      requestsPerSecond: 20,
      durationMs: 30_000,
      timeScale: 1,
    });
    expect(() => parseDemoOptions(['--token', 't', '--seed', '1.5'], {})).toThrow(/--seed/);
  });
});
