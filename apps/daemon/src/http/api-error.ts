import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppEnv } from '../app-env.js';
import { requestIdOf } from './request-id.js';
import { type StorageFailure, storageFailureOf } from './storage-failure.js';

/**
 * Every error code the admin API answers with, and its HTTP status. The table is exhaustive: a new code cannot
 * be used before it has a status here.
 */
export const apiErrorStatus = {
  invalid_body: 400,
  invalid_query: 400,
  unknown_segment: 400,
  content_too_large: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  already_exists: 409,
  rollout_in_progress: 409,
  rollout_not_active: 409,
  owned_by_pack: 409,
  version_content_changed: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  storage_busy: 503,
  storage_full: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

/** A stable, snake_case error code of the admin API. */
export type ApiErrorCode = keyof typeof apiErrorStatus;

/** A path into a request body (`["spec", "rollout", "canaryWeight"]`). */
export type ErrorPath = ReadonlyArray<string | number>;

/** The JSON body of every admin API error. */
export interface ApiErrorBody {
  code: ApiErrorCode;
  message: string;
  path?: Array<string | number>;
}

/**
 * The one error type of the HTTP layer. Thrown anywhere below a route; {@link handleError} turns it into
 * `{code, message, path?}` with the status of {@link apiErrorStatus}.
 *
 * @example
 * throw new ApiError('owned_by_pack', `flag ${key} belongs to pack ${pack}`);
 * throw new ApiError('invalid_body', 'expected a number', ['spec', 'rollout', 'canaryWeight']);
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: ApiErrorCode;
  readonly path: ErrorPath | undefined;
  /** Extra response headers (e.g. `Retry-After`). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: ApiErrorCode, message: string, path?: ErrorPath, headers: Record<string, string> = {}) {
    super(message);
    this.code = code;
    this.path = path;
    this.headers = headers;
  }

  /** The HTTP status of this error's code. */
  get status(): ContentfulStatusCode {
    return apiErrorStatus[this.code];
  }

  /** The response body. */
  toJSON(): ApiErrorBody {
    return this.path === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, path: [...this.path] };
  }
}

/** Writes an {@link ApiError} as the JSON response. */
export function apiErrorResponse(c: Context, error: ApiError): Response {
  for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
  return c.json(error.toJSON(), error.status);
}

/** The 503 answer of a write the database could not make (nothing of it was written); retry after a second. */
export function storageError(failure: StorageFailure): ApiError {
  return failure === 'busy'
    ? new ApiError(
        'storage_busy',
        'the database is locked by another writer (a backup or a second process); nothing was written, retry',
        undefined,
        { 'retry-after': '1' },
      )
    : new ApiError(
        'storage_full',
        'the database has no room left (disk full or its size limit); nothing was written',
        undefined,
        { 'retry-after': '1' },
      );
}

/** Something that can log an unexpected error, or a warning. */
export interface ErrorLogger {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/**
 * The app's `onError`: {@link ApiError} becomes its JSON answer; a write the database refused (locked past the busy
 * timeout, or full) is logged as a warning and answered `503 storage_busy` / `storage_full`; anything else is
 * logged and answered `500 internal_error` without details.
 */
export function handleError(logger: ErrorLogger): (error: Error, c: Context<AppEnv>) => Response {
  return (error, c) => {
    if (error instanceof ApiError) return apiErrorResponse(c, error);
    const failure = storageFailureOf(error);
    if (failure !== undefined) {
      logger.warn({ err: error, requestId: requestIdOf(c) }, `write refused: database ${failure}`);
      return apiErrorResponse(c, storageError(failure));
    }
    logger.error({ err: error, requestId: requestIdOf(c) }, 'unhandled error');
    return apiErrorResponse(c, new ApiError('internal_error', 'internal error'));
  };
}
