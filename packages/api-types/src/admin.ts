/**
 * Answers of the admin routes around the rollout domain: segments, tokens, tracking, flagd import and the probes.
 * Flags are answered in `@prompt-canary/rules`' flag model (plus `ownerPack`), which this package does not repeat.
 */
import type { Scope } from './index.js';

/** A named segment (`GET|PUT /api/v1/segments/{name}`, items of `GET /api/v1/segments`). */
export interface SegmentView {
  readonly name: string;
  /** The segment's condition in the rules model (attribute → value, or a rule object). */
  readonly match: unknown;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A token as `GET /api/v1/tokens` lists it: never its secret. */
export interface TokenView {
  readonly name: string;
  readonly scopes: readonly Scope[];
  readonly createdAt: string;
}

/** The answer of `POST /api/v1/tokens`: the secret, shown this once. */
export interface CreatedToken {
  readonly name: string;
  readonly scopes: readonly Scope[];
  readonly token: string;
}

/** The answer of `POST /api/v1/track` and `POST /api/v1/scores`: what was counted, and why the rest was not. */
export interface IngestTallyView {
  readonly accepted: number;
  /** Dropped items by reason, e.g. `{unknown_trace: 2}`. */
  readonly dropped: Readonly<Record<string, number>>;
}

/** The answer of `POST /api/v1/flagd.json` (import): the keys written. */
export interface FlagdImportResult {
  readonly imported: readonly string[];
}

/** `GET /healthz`. */
export interface Health {
  readonly status: 'ok';
  readonly version: string;
}

/** `GET /readyz`: 200 when ready, 503 while shutting down or when the database does not answer. */
export type Readiness =
  | { readonly status: 'ready'; readonly revision: number }
  | { readonly status: 'shutting_down' | 'database_unavailable' };
