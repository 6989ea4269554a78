import type { Settings } from '../app-context.js';
import { ConfigError } from '../settings/daemon-config.js';
import { parseRateLimit } from './rate-limit-spec.js';

/** The settings of the request limits. */
export type LimitSettings = Pick<Settings, 'rateLimitOfrep' | 'rateLimitIngest' | 'maxStreams'>;

function rate(env: Readonly<Record<string, string | undefined>>, name: string) {
  try {
    return parseRateLimit(env[name]);
  } catch (error) {
    throw new ConfigError(`${name}: ${(error as Error).message}`);
  }
}

/**
 * Reads the limits from the environment: `CANARYD_RATE_LIMIT_OFREP` and `CANARYD_RATE_LIMIT_INGEST` (a rate like
 * `1000/s`; unset or `off`: no limit) and `CANARYD_MAX_STREAMS` (open event streams, default 10,000). Values not
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
  return settings;
}
