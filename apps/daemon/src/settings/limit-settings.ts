import { ConfigError } from './daemon-config.js';
import { parseRateLimit } from './rate-limit-spec.js';
import type { Settings } from './settings.js';

/** The settings of the request limits. */
export type LimitSettings = Pick<
  Settings,
  'rateLimitOfrep' | 'rateLimitIngest' | 'maxStreams' | 'retentionAggregatesDays' | 'retentionAuditDays'
>;

function days(env: Readonly<Record<string, string | undefined>>, name: string): number | undefined {
  const text = env[name]?.trim();
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new ConfigError(`${name}: must be a positive number of days, got "${text}"`);
  return value;
}

function rate(env: Readonly<Record<string, string | undefined>>, name: string) {
  try {
    return parseRateLimit(env[name]);
  } catch (error) {
    throw new ConfigError(`${name}: ${(error as Error).message}`);
  }
}

/**
 * Reads the limits from the environment: `CANARYD_RATE_LIMIT_OFREP` and `CANARYD_RATE_LIMIT_INGEST` (a rate like
 * `1000/s`; unset or `off`: no limit), `CANARYD_MAX_STREAMS` (open event streams, default 10,000) and
 * `CANARYD_RETENTION_AGGREGATES_DAYS` / `CANARYD_RETENTION_AUDIT_DAYS` (days of history kept). Values not
 * set are left out, so the daemon's defaults apply.
 *
 * @throws ConfigError naming the variable.
 * @example
 * parseLimitSettings({ CANARYD_RATE_LIMIT_OFREP: '1000/s' }); // { rateLimitOfrep: { limit: 1000, periodMs: 1000 } }
 */
export function parseLimitSettings(
  env: Readonly<Record<string, string | undefined>>,
): Partial<LimitSettings> {
  const settings: Partial<LimitSettings> = {};
  const ofrep = rate(env, 'CANARYD_RATE_LIMIT_OFREP');
  if (ofrep !== undefined) settings.rateLimitOfrep = ofrep;
  const ingest = rate(env, 'CANARYD_RATE_LIMIT_INGEST');
  if (ingest !== undefined) settings.rateLimitIngest = ingest;
  const streams = env.CANARYD_MAX_STREAMS?.trim();
  if (streams !== undefined && streams !== '') {
    const max = Number(streams);
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new ConfigError(`CANARYD_MAX_STREAMS: must be a positive whole number, got "${streams}"`);
    }
    settings.maxStreams = max;
  }
  const aggregates = days(env, 'CANARYD_RETENTION_AGGREGATES_DAYS');
  if (aggregates !== undefined) settings.retentionAggregatesDays = aggregates;
  const audit = days(env, 'CANARYD_RETENTION_AUDIT_DAYS');
  if (audit !== undefined) settings.retentionAuditDays = audit;
  return settings;
}
