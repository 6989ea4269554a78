import type { LoggerOptions } from 'pino';

/**
 * Fields pino censors in every log line, at the top level and one object down (`{req: {headers: …}}`): credentials
 * in request headers, tokens, webhook secrets. No log line of the daemon carries them today (request logging never
 * includes headers); this keeps a future `logger.debug({ headers })` or `logger.info({ token })` from leaking one.
 */
export const LOG_REDACT_PATHS: readonly string[] = [
  'authorization',
  'token',
  'secret',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers.cookie',
  '*.authorization',
  '*.token',
  '*.secret',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
  '*.headers.cookie',
];

/** The `redact` option of the daemon's pino logger. */
export const logRedaction: NonNullable<LoggerOptions['redact']> = {
  paths: [...LOG_REDACT_PATHS],
  censor: '[redacted]',
};
