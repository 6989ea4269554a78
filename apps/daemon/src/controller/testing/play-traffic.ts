/**
 * Plays simulated traffic at a test daemon a minute at a time, the way an app would send it: each request is
 * assigned by the live flag, sent as an OTLP/JSON span, with optional tracking events and late scores; then the
 * manual clock moves on a minute (which runs the controller's due looks).
 */
import { expect } from 'vitest';
import { flagAttributes, otlpTraces, type TestSpan, traceId } from '../../ingest/testing/otlp-json.js';
import type { TestDaemon } from '../../testing/test-daemon.js';

export const MINUTE_MS = 60_000;

/** A seeded generator (mulberry32), so every run sees the same traffic. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** What one request of a version looks like. */
export interface RequestShape {
  durationMs: number;
  error?: boolean;
  attributes?: Record<string, string | number | boolean>;
  /** Tracking events the app sends for this request. */
  events?: Array<{ name: string; value?: number }>;
  /** Scores an evaluator posts later for this request's trace. */
  scores?: Array<{ name: string; value: number }>;
}

/** Options of {@link playTraffic}. */
export interface PlayOptions {
  /** Requests per minute (default 400). */
  perMinute?: number;
  seed?: number;
  /** Units (targeting keys) to draw from; default a fresh one per request. */
  units?: number;
  /** Checked after each minute; stops early when true. */
  until?: () => Promise<boolean>;
}

/** Plays `minutes` of traffic for `pack`, each request shaped by `shape(variant, random, minute)`. */
export async function playTraffic(
  d: TestDaemon,
  pack: string,
  minutes: number,
  shape: (variant: string, r: () => number, minute: number) => RequestShape,
  options: PlayOptions = {},
): Promise<void> {
  const r = seededRandom(options.seed ?? 7);
  const perMinute = options.perMinute ?? 400;
  for (let minute = 0; minute < minutes; minute++) {
    const now = d.clock.now();
    const spans: TestSpan[] = [];
    const events: unknown[] = [];
    const scores: unknown[] = [];
    for (let i = 0; i < perMinute; i++) {
      const unit = options.units === undefined ? r() * 1e9 : r() * options.units;
      const targetingKey = `user-${Math.floor(unit)}`;
      const endMs = now + Math.floor((i / perMinute) * (MINUTE_MS - 1000)) + 1;
      const details = d.ctx.config.current().evaluator.evaluate(pack, { targetingKey }, endMs);
      const variant = details.variant ?? 'none';
      const how = shape(variant, r, minute);
      const trace = traceId();
      spans.push({
        traceId: trace,
        endMs,
        durationMs: how.durationMs,
        ...(how.error === undefined ? {} : { error: how.error }),
        attributes: {
          ...flagAttributes(pack, variant, details.reason),
          'feature_flag.context.id': targetingKey,
          ...how.attributes,
        },
      });
      const timestamp = new Date(endMs).toISOString();
      for (const e of how.events ?? []) {
        events.push({ ...e, flagKey: pack, variant, targetingKey, timestamp });
      }
      for (const s of how.scores ?? []) scores.push({ ...s, traceId: trace, timestamp });
    }
    const res = await d.request('/v1/traces', { method: 'POST', json: otlpTraces(spans), as: 'ingest' });
    expect(res.status).toBe(200);
    if (events.length > 0) {
      const tracked = await d.request('/api/v1/track', { method: 'POST', json: { events }, as: 'ingest' });
      expect(tracked.status).toBeLessThan(300);
    }
    for (let i = 0; i < scores.length; i += 1000) {
      const json = { scores: scores.slice(i, i + 1000) };
      const scored = await d.request('/api/v1/scores', { method: 'POST', json, as: 'ingest' });
      expect(scored.status).toBeLessThan(300);
    }
    d.clock.advance(MINUTE_MS);
    if (options.until !== undefined && (await options.until())) return;
  }
}
