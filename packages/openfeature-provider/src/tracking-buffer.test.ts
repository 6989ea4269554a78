import { afterEach, describe, expect, it } from 'vitest';
import { PromptCanaryProvider } from './prompt-canary-provider.js';
import { type FakeSyncServer, startFakeSyncServer } from './testing/fake-sync-server.js';
import { waitUntil } from './testing/sync-contract-suite.js';
import { type TrackEvent, TrackingBuffer } from './tracking-buffer.js';

const servers: FakeSyncServer[] = [];
const quiet = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
};

async function fake(): Promise<FakeSyncServer> {
  const server = await startFakeSyncServer({
    flags: {
      'support-prompts': {
        key: 'support-prompts',
        state: 'ENABLED',
        variants: { '2.3.1': '2.3.1', '2.4.0': '2.4.0' },
        defaultVariant: '2.4.0',
        rules: [
          { segment: { plan: 'pro' }, serve: { variant: '2.4.0' } },
          { serve: { split: { arms: [{ variant: '2.4.0', weight: 100 }] } } },
        ],
      },
    },
  });
  servers.push(server);
  return server;
}

function event(n: number): TrackEvent {
  return {
    name: 'thumbs_up',
    flagKey: 'support-prompts',
    targetingKey: `unit-${n}`,
    timestamp: new Date(0).toISOString(),
  };
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

describe('TrackingBuffer', () => {
  it('batches events and sends them after the flush interval', async () => {
    const server = await fake();
    const buffer = new TrackingBuffer({
      baseUrl: server.baseUrl,
      token: server.token,
      fetch,
      maxBuffered: 100,
      maxBatchSize: 50,
      flushIntervalMs: 50,
    });
    for (let i = 0; i < 5; i++) buffer.add(event(i));
    expect(server.trackedEvents).toHaveLength(0);
    await waitUntil(() => server.trackedEvents.length === 5, 15_000, 'the batch');
    expect(server.requests.filter((request) => request.path === '/api/v1/track')).toHaveLength(1);
    await buffer.close();
    expect(buffer.stats).toEqual({ sent: 5, dropped: 0, buffered: 0 });
  });

  it('drops and counts events beyond the buffer bound, never blocking the caller', async () => {
    const server = await fake();
    const buffer = new TrackingBuffer({
      baseUrl: server.baseUrl,
      token: server.token,
      fetch,
      maxBuffered: 3,
      maxBatchSize: 100,
      flushIntervalMs: 60_000,
    });
    for (let i = 0; i < 10; i++) buffer.add(event(i));
    expect(buffer.stats).toEqual({ sent: 0, dropped: 7, buffered: 3 });
    await buffer.close();
    expect(server.trackedEvents.map((tracked) => tracked.targetingKey)).toEqual([
      'unit-0',
      'unit-1',
      'unit-2',
    ]);
    buffer.add(event(11));
    expect(buffer.stats).toEqual({ sent: 3, dropped: 8, buffered: 0 });
  });

  it('counts a rejected batch as dropped', async () => {
    const server = await fake();
    server.setTrackStatus(500);
    const errors: Error[] = [];
    const buffer = new TrackingBuffer({
      baseUrl: server.baseUrl,
      token: server.token,
      fetch,
      maxBuffered: 10,
      maxBatchSize: 10,
      flushIntervalMs: 60_000,
      onError: (error) => errors.push(error),
    });
    buffer.add(event(1));
    buffer.add(event(2));
    await buffer.close();
    expect(buffer.stats.dropped).toBe(2);
    expect(errors[0]?.message).toMatch(/500/);
  });
});

describe('PromptCanaryProvider.track', () => {
  it('sends events with the variant served to that unit and the reason it was served, flushed on close', async () => {
    const server = await fake();
    const provider = new PromptCanaryProvider({
      baseUrl: server.baseUrl,
      token: server.token,
      tracking: { flushInterval: '1m' },
      logger: quiet,
      clock: { now: () => Date.parse('2025-03-01T10:00:00Z') },
    });
    await provider.initialize();
    await provider.resolveStringEvaluation('support-prompts', 'x', { targetingKey: 'session-1' });
    provider.track('feedback', { targetingKey: 'session-1' }, { value: 4, channel: 'web' });
    provider.track('escalate', { targetingKey: 'session-2' }, { flagKey: 'support-prompts' });
    provider.track('thumbs_down', { targetingKey: 'session-3' }, {});
    expect(server.trackedEvents).toHaveLength(0);
    await provider.onClose();
    expect(server.trackedEvents).toEqual([
      {
        name: 'feedback',
        flagKey: 'support-prompts',
        variant: '2.4.0',
        reason: 'SPLIT',
        targetingKey: 'session-1',
        value: 4,
        attributes: { channel: 'web' },
        timestamp: '2025-03-01T10:00:00.000Z',
      },
      {
        name: 'escalate',
        flagKey: 'support-prompts',
        targetingKey: 'session-2',
        timestamp: '2025-03-01T10:00:00.000Z',
      },
    ]);
    expect(provider.trackingStats).toEqual({ sent: 2, dropped: 0, buffered: 0, unattributed: 1 });
  });

  it('sends the reason of the last evaluation, so segment-assigned feedback is told from split-assigned', async () => {
    const server = await fake();
    const provider = new PromptCanaryProvider({
      baseUrl: server.baseUrl,
      token: server.token,
      tracking: { flushInterval: '1m' },
      logger: quiet,
      clock: { now: () => Date.parse('2025-03-01T10:00:00Z') },
    });
    await provider.initialize();
    const segment = await provider.resolveStringEvaluation('support-prompts', 'x', {
      targetingKey: 'pro-user',
      plan: 'pro',
    });
    const split = await provider.resolveStringEvaluation('support-prompts', 'x', {
      targetingKey: 'free-user',
      plan: 'free',
    });
    expect([segment.reason, split.reason]).toEqual(['TARGETING_MATCH', 'SPLIT']);
    // Tracking contexts rarely repeat the segment attributes: the remembered reason is what tells them apart.
    provider.track('thumbs_up', { targetingKey: 'pro-user' }, { flagKey: 'support-prompts' });
    provider.track('thumbs_down', { targetingKey: 'free-user' }, {});
    await provider.onClose();
    expect(
      server.trackedEvents.map(({ name, targetingKey, variant, reason }) => ({
        name,
        targetingKey,
        variant,
        reason,
      })),
    ).toEqual([
      { name: 'thumbs_up', targetingKey: 'pro-user', variant: '2.4.0', reason: 'TARGETING_MATCH' },
      { name: 'thumbs_down', targetingKey: 'free-user', variant: '2.4.0', reason: 'SPLIT' },
    ]);
  });
});
