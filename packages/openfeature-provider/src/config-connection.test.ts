import { describe, expect, it } from 'vitest';
import {
  type AppliedConfig,
  ConfigConnection,
  type ConfigConnectionOptions,
  type ConnectionEvent,
} from './config-connection.js';
import type { ConfigSyncListener } from './config-sync.js';
import type { ProviderConfig } from './provider-config.js';
import { ManualClock } from './testing/manual-clock.js';

const quiet = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
};

function config(revision: number): ProviderConfig {
  return {
    schemaVersion: 1,
    revision,
    flags: { f: { key: 'f', state: 'ENABLED', variants: { a: 'A' }, defaultVariant: 'a' } },
  };
}

/** A connection on a manual clock, with a sync feed driven by hand through `sync`. */
function connect(
  options: Partial<ConfigConnectionOptions> = {},
  apply?: (c: ProviderConfig) => AppliedConfig,
) {
  const clock = new ManualClock();
  const events: ConnectionEvent[] = [];
  const errors: string[] = [];
  const feed = { started: 0, closed: false };
  let listener: ConfigSyncListener | undefined;
  const connection = new ConfigConnection(
    {
      baseUrl: 'http://canaryd.test',
      token: 't',
      bootstrap: undefined,
      offline: false,
      errorGracePeriodMs: 30_000,
      initTimeoutMs: 10_000,
      pollIntervalMs: 30_000,
      streamRetryMs: 300_000,
      heartbeatTimeoutMs: 45_000,
      reconnect: { initialMs: 500, maxMs: 30_000 },
      random: () => 0.5,
      fetch: () => Promise.reject(new Error('no network in this test')),
      logger: { ...quiet, error: (message: string) => errors.push(message) },
      clock,
      ...options,
    },
    { apply: apply ?? (() => ({ changed: ['f'] })), event: (event) => events.push(event) },
    (given) => {
      listener = given;
      return {
        start: () => {
          feed.started += 1;
        },
        close: () => {
          feed.closed = true;
        },
      };
    },
  );
  const sync = (): ConfigSyncListener => {
    if (listener === undefined) throw new Error('the connection has not made its feed yet');
    return listener;
  };
  return { clock, connection, events, errors, feed, sync };
}

/** Opens a connection and serves it its first config. */
async function ready(setup: ReturnType<typeof connect>): Promise<void> {
  const opened = setup.connection.open();
  await Promise.resolve();
  setup.sync().config(config(1));
  expect(await opened).toEqual({ ok: true });
}

const types = (events: ConnectionEvent[]) => events.map((event) => event.type);

describe('ConfigConnection', () => {
  it('is ready with the first config, without an event (initialize resolving is the signal)', async () => {
    const setup = connect();
    await ready(setup);
    expect(setup.connection.phase).toBe('ready');
    expect(setup.feed.started).toBe(1);
    expect(setup.events).toEqual([]);
    expect(setup.clock.pendingTimers).toBe(0);
  });

  it('goes stale when the stream drops and errors only once the grace period has passed', async () => {
    const setup = connect();
    await ready(setup);
    const droppedAt = setup.clock.now();
    setup.sync().disconnected(new Error('stream closed'));
    expect(setup.connection.phase).toBe('stale');
    expect(setup.connection.staleSince).toBe(droppedAt);
    expect(setup.events).toEqual([
      { type: 'stale', message: 'lost canaryd: stream closed; serving the last config' },
    ]);

    setup.clock.advance(29_999);
    expect(setup.connection.phase).toBe('stale');
    setup.clock.advance(1);
    expect(setup.connection.phase).toBe('error');
    expect(setup.events.at(-1)).toEqual({
      type: 'error',
      fatal: false,
      message: 'no contact with canaryd for 30000 ms (last error: stream closed); serving revision 1',
    });
  });

  it('is ready again on reconnect, from stale or from error, and forgets when it went stale', async () => {
    const setup = connect();
    await ready(setup);
    setup.sync().disconnected(new Error('stream closed'));
    setup.clock.advance(5_000);
    setup.sync().connected('stream');
    expect(setup.connection.phase).toBe('ready');
    expect(setup.connection.staleSince).toBeUndefined();
    // The grace timer went with the outage: no error later.
    expect(setup.clock.pendingTimers).toBe(0);
    setup.clock.advance(60_000);
    expect(types(setup.events)).toEqual(['stale', 'ready']);

    setup.sync().disconnected(new Error('network down'));
    setup.clock.advance(30_000);
    setup.sync().config(config(2));
    expect(types(setup.events)).toEqual([
      'stale',
      'ready',
      'stale',
      'error',
      'ready',
      'configuration-changed',
    ]);
    expect(setup.events.at(-1)).toEqual({
      type: 'configuration-changed',
      flagsChanged: ['f'],
      revision: '2',
    });
  });

  it('after initTimeout resolves not ok but keeps the feed running, and reports ready when a config comes', async () => {
    const setup = connect();
    const opened = setup.connection.open();
    await Promise.resolve();
    setup.sync().disconnected(new Error('connection refused'));
    setup.clock.advance(10_000);
    expect(await opened).toEqual({
      ok: false,
      fatal: false,
      message:
        'canaryd at http://canaryd.test did not send a config within 10000 ms (last error: connection refused); still trying in the background, callers get their defaults until then',
    });
    expect(setup.connection.phase).toBe('waiting');
    expect(setup.feed.closed).toBe(false);

    setup.sync().config(config(1));
    expect(setup.connection.phase).toBe('ready');
    expect(setup.events).toEqual([{ type: 'ready', message: 'config revision 1 received' }]);
  });

  it('is fatal when canaryd refuses the token before any config: open says so, or an error event after the timeout', async () => {
    const early = connect();
    const opened = early.connection.open();
    await Promise.resolve();
    early.sync().unauthorized(401, new Error('401'));
    expect(await opened).toMatchObject({
      ok: false,
      fatal: true,
      message: expect.stringMatching(/token is wrong/),
    });
    expect(early.connection.phase).toBe('fatal');
    expect(early.feed.closed).toBe(true);
    expect(early.clock.pendingTimers).toBe(0);

    const late = connect();
    void late.connection.open();
    await Promise.resolve();
    late.clock.advance(10_000);
    late.sync().unauthorized(403, new Error('403'));
    expect(late.events).toEqual([
      { type: 'error', fatal: true, message: expect.stringMatching(/lacks the evaluate scope/) },
    ]);
    late.sync().config(config(1));
    expect(late.connection.phase).toBe('fatal');
  });

  it('treats a refused token after a config as an outage: logged, stale, then error', async () => {
    const setup = connect();
    await ready(setup);
    setup.sync().unauthorized(401, new Error('401'));
    expect(setup.errors.join('\n')).toMatch(/token is wrong/);
    setup.clock.advance(30_000);
    expect(types(setup.events)).toEqual(['stale', 'error']);
  });

  it('with a bootstrap is ready at once and syncs in the background', async () => {
    const setup = connect({ bootstrap: config(0) });
    expect(await setup.connection.open()).toEqual({ ok: true });
    expect(setup.connection.phase).toBe('ready');
    expect(setup.feed.started).toBe(1);
    expect(setup.clock.pendingTimers).toBe(0);
  });

  it('keeps serving the last config when one is refused, and says so in the log', async () => {
    let refuse = false;
    const setup = connect({}, () =>
      refuse ? { rejected: new Error('does not compile') } : { changed: ['f'] },
    );
    await ready(setup);
    refuse = true;
    setup.sync().config(config(2));
    expect(setup.errors).toEqual(['config revision 2 rejected, still serving 1: does not compile']);
    expect(setup.events).toEqual([]);
  });

  it('offline, serves the bootstrap with no feed, and is fatal without a usable one', async () => {
    const online = connect({ offline: true, bootstrap: config(7) });
    expect(await online.connection.open()).toEqual({ ok: true });
    expect(online.feed.started).toBe(0);

    const broken = connect({ offline: true, bootstrap: '{ not json' });
    expect(await broken.connection.open()).toMatchObject({
      ok: false,
      fatal: true,
      message: expect.stringMatching(
        /^offline mode has no usable bootstrap: bootstrap: config is not valid JSON/,
      ),
    });
  });

  it('close stops the feed and every timer, settles a pending open, and ignores what the feed says afterwards', async () => {
    const setup = connect();
    const opened = setup.connection.open();
    await Promise.resolve();
    expect(setup.clock.pendingTimers).toBe(1);
    setup.connection.close();
    expect(await opened).toEqual({
      ok: false,
      fatal: false,
      message: 'the provider was closed before it was ready',
    });
    expect(setup.feed.closed).toBe(true);
    expect(setup.clock.pendingTimers).toBe(0);

    const stale = connect();
    await ready(stale);
    stale.sync().disconnected(new Error('stream closed'));
    expect(stale.clock.pendingTimers).toBe(1);
    stale.connection.close();
    expect(stale.clock.pendingTimers).toBe(0);
    stale.sync().config(config(2));
    stale.clock.advance(60_000);
    expect(types(stale.events)).toEqual(['stale']);
    expect(stale.connection.phase).toBe('closed');
  });
});
