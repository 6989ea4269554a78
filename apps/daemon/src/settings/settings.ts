import type { RateLimitSpec } from './rate-limit-spec.js';

/** Settings of a running daemon (from flags and environment in `main.ts`, or a test). */
export interface Settings {
  /** Rollout durations run this many times faster (`--time-scale`). */
  timeScale: number;
  /** Interval of `: ping` comments on event streams, in ms (15 s). */
  streamPingMs: number;
  /** Largest admin request body, in bytes. */
  bodyLimitBytes: number;
  /** Largest PromptPack / flagd import body, in bytes. */
  largeBodyLimitBytes: number;
  /** Largest content bundle of a pack version, in bytes of its JSON (`CANARYD_MAX_BUNDLE_BYTES`, 256 KiB). */
  maxBundleBytes: number;
  /** Daemon version reported by `/healthz` and the OpenAPI document. */
  version: string;
  /** Length of the analyzer's aggregate time slices, in real ms (10 s). */
  analysisSliceMs: number;
  /** Per-token rate of OFREP requests (`CANARYD_RATE_LIMIT_OFREP`); none by default. */
  rateLimitOfrep: RateLimitSpec | undefined;
  /** Per-token rate of OTLP, track and score requests (`CANARYD_RATE_LIMIT_INGEST`); none by default. */
  rateLimitIngest: RateLimitSpec | undefined;
  /** Most event streams open at once, all kinds together (`CANARYD_MAX_STREAMS`, 10,000). */
  maxStreams: number;
  /** Days analysis aggregates of finished rollouts are kept (`CANARYD_RETENTION_AGGREGATES_DAYS`); forever by default. */
  retentionAggregatesDays: number | undefined;
  /** Days audit entries are kept (`CANARYD_RETENTION_AUDIT_DAYS`); forever by default. */
  retentionAuditDays: number | undefined;
  /** Hours a flagged trace stays joinable by late scores (`CANARYD_TRACE_JOIN_HOURS`); 24 by default. */
  traceJoinHours: number | undefined;
  /** Most traces kept for that join (`CANARYD_TRACE_JOIN_MAX_ROWS`); 2,000,000 by default. */
  traceJoinMaxRows: number | undefined;
}

/** Defaults for {@link Settings}. */
export const defaultSettings: Settings = {
  timeScale: 1,
  streamPingMs: 15_000,
  bodyLimitBytes: 1024 * 1024,
  largeBodyLimitBytes: 4 * 1024 * 1024,
  maxBundleBytes: 256 * 1024,
  version: '0.1.0',
  analysisSliceMs: 10_000,
  rateLimitOfrep: undefined,
  rateLimitIngest: undefined,
  maxStreams: 10_000,
  retentionAggregatesDays: undefined,
  retentionAuditDays: undefined,
  traceJoinHours: undefined,
  traceJoinMaxRows: undefined,
};
