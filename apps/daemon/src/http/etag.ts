import type { Context } from 'hono';
import { ApiError } from './api-error.js';

export { etagOf } from './content-etag.js';

function listedTags(header: string): string[] {
  return header
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .filter((t) => t.length > 0);
}

/**
 * Enforces `If-Match` for a write. `current` is the resource's ETag, or `undefined` when it does not exist.
 * Without the header any write goes through; `*` requires the resource to exist.
 *
 * @throws ApiError `precondition_failed` (412) when the header names no current representation.
 */
export function checkIfMatch(c: Context, current: string | undefined): void {
  const header = c.req.header('if-match');
  if (header === undefined) return;
  const tags = listedTags(header);
  if (current !== undefined && (tags.includes('*') || tags.includes(current))) return;
  throw new ApiError(
    'precondition_failed',
    current === undefined
      ? 'If-Match given but the resource does not exist'
      : 'If-Match does not match the current ETag',
  );
}

/** True when the request's `If-None-Match` names `current` (the caller answers 304). */
export function matchesIfNoneMatch(c: Context, current: string): boolean {
  const header = c.req.header('if-none-match');
  if (header === undefined) return false;
  const tags = listedTags(header);
  return tags.includes('*') || tags.includes(current);
}
