import { describe, expect, it } from 'vitest';
import { parseLimitSettings } from '../settings/limit-settings.js';
import { parseRateLimit } from '../settings/rate-limit-spec.js';
import { sseReader } from '../testing/sse-reader.js';
import { createTestDaemon } from '../testing/test-daemon.js';
import { TokenBuckets } from './token-buckets.js';

const flag = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' };

describe('rate specs', () => {
  it('reads counts per second, minute and hour, and off', () => {
    expect(parseRateLimit('1000/s')).toEqual({ limit: 1000, periodMs: 1000 });
    expect(parseRateLimit('50 / min')).toEqual({ limit: 50, periodMs: 60_000 });
    expect(parseRateLimit('10/5s')).toEqual({ limit: 10, periodMs: 5000 });
    expect(parseRateLimit('3600/h')).toEqual({ limit: 3600, periodMs: 3_600_000 });
    expect(parseRateLimit('off')).toBeUndefined();
    expect(parseRateLimit(undefined)).toBeUndefined();
    expect(() => parseRateLimit('fast')).toThrow('1000/s');
    expect(() => parseRateLimit('10/fortnight')).toThrow(RangeError);
  });

  it('names the environment variable that is wrong', () => {
    expect(parseLimitSettings({})).toEqual({});
    expect(parseLimitSettings({ CANARYD_RATE_LIMIT_INGEST: '5/s', CANARYD_MAX_STREAMS: '20' })).toEqual({
      rateLimitIngest: { limit: 5, periodMs: 1000 },
      maxStreams: 20,
    });
    expect(() => parseLimitSettings({ CANARYD_RATE_LIMIT_OFREP: 'lots' })).toThrow(
      'CANARYD_RATE_LIMIT_OFREP',
    );
    expect(() => parseLimitSettings({ CANARYD_MAX_STREAMS: '-1' })).toThrow('CANARYD_MAX_STREAMS');
    expect(parseLimitSettings({ CANARYD_MAX_BUNDLE_BYTES: '524288' })).toEqual({ maxBundleBytes: 524288 });
    expect(() => parseLimitSettings({ CANARYD_MAX_BUNDLE_BYTES: '10' })).toThrow(
      'CANARYD_MAX_BUNDLE_BYTES: must be a whole number of bytes, at least 1024, got "10"',
    );
  });
});

describe('token buckets', () => {
  it('allow a burst of the limit, then refill at the rate, per key', () => {
    const buckets = new TokenBuckets({ limit: 3, periodMs: 3000 });
    for (let i = 0; i < 3; i++) expect(buckets.take('a', 0)).toEqual({ ok: true });
    expect(buckets.take('a', 0)).toEqual({ ok: false, retryAfterMs: 1000 });
    expect(buckets.take('b', 0)).toEqual({ ok: true });
    expect(buckets.take('a', 1000)).toEqual({ ok: true });
    // A clock that goes back refills nothing and lends nothing.
    expect(buckets.take('a', 500).ok).toBe(false);
  });

  it('forget the least recently used key past the bound', () => {
    const buckets = new TokenBuckets({ limit: 1, periodMs: 1000 }, 2);
    buckets.take('a', 0);
    buckets.take('b', 0);
    buckets.take('c', 0);
    expect(buckets.size).toBe(2);
    expect(buckets.take('a', 0).ok).toBe(true);
  });
});

describe('per-token rate limits', () => {
  it('are off by default', async () => {
    const d = createTestDaemon();
    for (let i = 0; i < 50; i++) {
      const res = await d.request('/ofrep/v1/evaluate/flags', { method: 'POST', as: 'evaluate', json: {} });
      expect(res.status).toBe(200);
    }
  });

  it('answer OFREP with 429, Retry-After in whole seconds and no body; each token has its own bucket', async () => {
    const d = createTestDaemon({ rateLimitOfrep: { limit: 2, periodMs: 10_000 } });
    await d.request('/api/v1/flags/beta', { method: 'PUT', json: flag });
    const evaluate = (as: 'evaluate' | 'admin') =>
      d.request('/ofrep/v1/evaluate/flags/beta', { method: 'POST', as, json: { context: {} } });
    expect((await evaluate('evaluate')).status).toBe(200);
    expect((await evaluate('evaluate')).status).toBe(200);
    const limited = await evaluate('evaluate');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('5');
    expect(await limited.text()).toBe('');
    expect((await evaluate('admin')).status).toBe(200);
    d.clock.advance(5000);
    expect((await evaluate('evaluate')).status).toBe(200);
  });

  it('share one ingest bucket across OTLP and tracking, with the JSON error under /api/v1', async () => {
    const d = createTestDaemon({ rateLimitIngest: { limit: 1, periodMs: 1500 } });
    const traces = await d.request('/v1/traces', { method: 'POST', as: 'ingest', json: {} });
    expect(traces.status).toBe(200);
    const track = await d.request('/api/v1/track', { method: 'POST', as: 'ingest', json: { events: [] } });
    expect(track.status).toBe(429);
    expect(track.headers.get('retry-after')).toBe('2');
    expect(await track.json()).toMatchObject({ code: 'rate_limited' });
    const otlp = await d.request('/v1/metrics', { method: 'POST', as: 'ingest', json: {} });
    expect(otlp.status).toBe(429);
    // OFREP has no limit configured here.
    expect(
      (await d.request('/ofrep/v1/evaluate/flags', { method: 'POST', as: 'admin', json: {} })).status,
    ).toBe(200);
  });
});

describe('the event-stream cap', () => {
  it('refuses streams past the cap with 429 and Retry-After, and frees a slot when a client leaves', async () => {
    const d = createTestDaemon({ maxStreams: 2 });
    const sync = sseReader(await d.request('/api/v1/sync', { as: 'evaluate' }));
    await sync.next();
    const events = await d.request('/api/v1/events', { as: 'read' });
    expect(events.status).toBe(200);
    const refused = await d.request('/ofrep/v1/events', { as: 'evaluate' });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    await sync.close();
    await events.body?.cancel();
    const again = await d.request('/ofrep/v1/events', { as: 'evaluate' });
    expect(again.status).toBe(200);
    await again.body?.cancel();
    await d.close();
  });

  it('does not count requests refused before a stream opened', async () => {
    const d = createTestDaemon({ maxStreams: 1 });
    for (let i = 0; i < 3; i++) expect((await d.request('/api/v1/sync', { as: 'read' })).status).toBe(403);
    const res = await d.request('/api/v1/sync', { as: 'evaluate' });
    expect(res.status).toBe(200);
    await res.body?.cancel();
  });
});
