import { describe, expect, it } from 'vitest';
import { ConfigError, parseDaemonConfig } from './daemon-config.js';

describe('parseDaemonConfig', () => {
  it('uses the documented defaults', () => {
    expect(parseDaemonConfig([], {})).toEqual({
      host: '0.0.0.0',
      port: 4000,
      db: './data/canary.db',
      timeScale: 1,
      logLevel: 'info',
      adminToken: undefined,
      synchronous: 'normal',
      busyTimeoutMs: 5000,
      leaderLeaseMs: 15000,
    });
  });

  it('reads the controller lease from --leader-lease-ms / CANARYD_LEADER_LEASE_MS and refuses a lease too short', () => {
    expect(parseDaemonConfig(['--leader-lease-ms', '2000'], {})).toMatchObject({ leaderLeaseMs: 2000 });
    expect(parseDaemonConfig([], { CANARYD_LEADER_LEASE_MS: '3000' })).toMatchObject({ leaderLeaseMs: 3000 });
    expect(() => parseDaemonConfig([], { CANARYD_LEADER_LEASE_MS: '10' })).toThrow(
      '--leader-lease-ms / CANARYD_LEADER_LEASE_MS: must be between 300 and 600000',
    );
  });

  it('reads the durability settings from flags and CANARYD_SYNCHRONOUS / CANARYD_BUSY_TIMEOUT_MS', () => {
    const env = { CANARYD_SYNCHRONOUS: 'FULL', CANARYD_BUSY_TIMEOUT_MS: '2000' };
    expect(parseDaemonConfig([], env)).toMatchObject({ synchronous: 'full', busyTimeoutMs: 2000 });
    expect(parseDaemonConfig(['--synchronous', 'normal', '--busy-timeout-ms', '250'], env)).toMatchObject({
      synchronous: 'normal',
      busyTimeoutMs: 250,
    });
  });

  it('reads CANARYD_* variables and lets flags override them', () => {
    const env = {
      CANARYD_PORT: '5000',
      CANARYD_DB: ':memory:',
      CANARYD_TIME_SCALE: '60',
      CANARYD_LOG_LEVEL: 'debug',
    };
    expect(parseDaemonConfig([], env)).toMatchObject({
      port: 5000,
      db: ':memory:',
      timeScale: 60,
      logLevel: 'debug',
    });
    expect(parseDaemonConfig(['--port', '6000', '--time-scale=2', '--host', '127.0.0.1'], env)).toMatchObject(
      {
        port: 6000,
        timeScale: 2,
        host: '127.0.0.1',
      },
    );
  });

  it.each([
    [['--port', 'abc'], {}, '--port / CANARYD_PORT: must be a number'],
    [['--port', '70000'], {}, '--port / CANARYD_PORT: must be between 0 and 65535'],
    [['--time-scale', '0'], {}, '--time-scale / CANARYD_TIME_SCALE: must be a positive number'],
    [[], { CANARYD_ADMIN_TOKEN: 'short' }, 'CANARYD_ADMIN_TOKEN: must be at least 16 characters'],
    [[], { CANARYD_LOG_LEVEL: 'loud' }, 'CANARYD_LOG_LEVEL: must be one of'],
    [['--bogus'], {}, "Unknown option '--bogus'"],
    [['--synchronous', 'off'], {}, '--synchronous / CANARYD_SYNCHRONOUS: must be normal or full'],
    [[], { CANARYD_BUSY_TIMEOUT_MS: '-1' }, '--busy-timeout-ms / CANARYD_BUSY_TIMEOUT_MS: must be between 0'],
    [[], { CANARYD_BUSY_TIMEOUT_MS: '1.5' }, 'CANARYD_BUSY_TIMEOUT_MS: must be a whole number'],
  ])('rejects %j %j with one line naming the setting', (argv, env, message) => {
    expect(() => parseDaemonConfig(argv, env)).toThrow(ConfigError);
    expect(() => parseDaemonConfig(argv, env)).toThrow(message);
  });
});
