import { z } from 'zod';
import { ConfigError } from './daemon-config.js';
import { parseRateLimit } from './rate-limit-spec.js';
import type { Settings } from './settings.js';

/** The settings of the request limits. */
export type LimitSettings = Pick<
  Settings,
  | 'rateLimitOfrep'
  | 'rateLimitIngest'
  | 'maxStreams'
  | 'maxBundleBytes'
  | 'retentionAggregatesDays'
  | 'retentionAuditDays'
  | 'traceJoinHours'
  | 'traceJoinMaxRows'
>;

/** An unset or blank variable is absent: the daemon's default applies. */
const unset = (text: string | undefined) =>
  text === undefined || text.trim() === '' ? undefined : text.trim();

const rate = z
  .string()
  .optional()
  .transform((text, ctx) => {
    try {
      return parseRateLimit(unset(text));
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });

/** A numeric variable: absent when unset, an issue when it is not a number `valid` accepts. */
function numberVar(valid: (n: number) => boolean) {
  return z
    .string()
    .optional()
    .transform((text, ctx) => {
      const given = unset(text);
      if (given === undefined) return undefined;
      const n = Number(given);
      if (valid(n)) return n;
      ctx.addIssue({ code: 'custom', message: 'invalid', params: { expected: true } });
      return z.NEVER;
    });
}

const days = numberVar((n) => Number.isFinite(n) && n > 0);

const limitEnvSchema = z.object({
  CANARYD_RATE_LIMIT_OFREP: rate,
  CANARYD_RATE_LIMIT_INGEST: rate,
  CANARYD_MAX_STREAMS: numberVar((n) => Number.isSafeInteger(n) && n >= 1),
  CANARYD_MAX_BUNDLE_BYTES: numberVar((n) => Number.isSafeInteger(n) && n >= 1024),
  CANARYD_RETENTION_AGGREGATES_DAYS: days,
  CANARYD_RETENTION_AUDIT_DAYS: days,
  CANARYD_TRACE_JOIN_HOURS: numberVar((n) => Number.isFinite(n) && n > 0),
  CANARYD_TRACE_JOIN_MAX_ROWS: numberVar((n) => Number.isSafeInteger(n) && n >= 1),
});

/** What each variable must be, for the one-line error. */
const EXPECTED: Record<keyof z.input<typeof limitEnvSchema>, string> = {
  CANARYD_RATE_LIMIT_OFREP: 'a rate such as 1000/s, or off',
  CANARYD_RATE_LIMIT_INGEST: 'a rate such as 1000/s, or off',
  CANARYD_MAX_STREAMS: 'must be a positive whole number',
  CANARYD_MAX_BUNDLE_BYTES: 'must be a whole number of bytes, at least 1024',
  CANARYD_RETENTION_AGGREGATES_DAYS: 'must be a positive number of days',
  CANARYD_RETENTION_AUDIT_DAYS: 'must be a positive number of days',
  CANARYD_TRACE_JOIN_HOURS: 'must be a positive number of hours',
  CANARYD_TRACE_JOIN_MAX_ROWS: 'must be a positive whole number',
};

/**
 * Reads the limits from the environment with one zod schema: `CANARYD_RATE_LIMIT_OFREP` and
 * `CANARYD_RATE_LIMIT_INGEST` (a rate like `1000/s`; unset or `off`: no limit), `CANARYD_MAX_STREAMS` (open event
 * streams, default 10,000), `CANARYD_MAX_BUNDLE_BYTES` (a version's content bundle, default 256 KiB) and `CANARYD_RETENTION_AGGREGATES_DAYS` / `CANARYD_RETENTION_AUDIT_DAYS` (days of
 * history kept). Values not set are left out, so the daemon's defaults apply.
 *
 * @throws ConfigError naming the variable, what it must be, and the value given.
 * @example
 * parseLimitSettings({ CANARYD_RATE_LIMIT_OFREP: '1000/s' }); // { rateLimitOfrep: { limit: 1000, periodMs: 1000 } }
 */
export function parseLimitSettings(
  env: Readonly<Record<string, string | undefined>>,
): Partial<LimitSettings> {
  const result = limitEnvSchema.safeParse(env);
  if (!result.success) {
    const issue = result.error.issues[0];
    const name = issue?.path[0] as keyof typeof EXPECTED;
    const detail =
      issue?.code === 'custom' && issue.params?.expected !== true ? issue.message : EXPECTED[name];
    throw new ConfigError(`${name}: ${detail}, got "${env[name] ?? ''}"`);
  }
  const v = result.data;
  const settings: Partial<LimitSettings> = {};
  if (v.CANARYD_RATE_LIMIT_OFREP !== undefined) settings.rateLimitOfrep = v.CANARYD_RATE_LIMIT_OFREP;
  if (v.CANARYD_RATE_LIMIT_INGEST !== undefined) settings.rateLimitIngest = v.CANARYD_RATE_LIMIT_INGEST;
  if (v.CANARYD_MAX_STREAMS !== undefined) settings.maxStreams = v.CANARYD_MAX_STREAMS;
  if (v.CANARYD_MAX_BUNDLE_BYTES !== undefined) settings.maxBundleBytes = v.CANARYD_MAX_BUNDLE_BYTES;
  if (v.CANARYD_RETENTION_AGGREGATES_DAYS !== undefined)
    settings.retentionAggregatesDays = v.CANARYD_RETENTION_AGGREGATES_DAYS;
  if (v.CANARYD_RETENTION_AUDIT_DAYS !== undefined)
    settings.retentionAuditDays = v.CANARYD_RETENTION_AUDIT_DAYS;
  if (v.CANARYD_TRACE_JOIN_HOURS !== undefined) settings.traceJoinHours = v.CANARYD_TRACE_JOIN_HOURS;
  if (v.CANARYD_TRACE_JOIN_MAX_ROWS !== undefined) settings.traceJoinMaxRows = v.CANARYD_TRACE_JOIN_MAX_ROWS;
  return settings;
}
