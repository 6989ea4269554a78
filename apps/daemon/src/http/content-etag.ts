import { createHash } from 'node:crypto';

/** A strong ETag for a representation: a quoted hash of its canonical JSON text. */
export function etagOf(text: string): string {
  return `"${createHash('sha256').update(text).digest('base64url').slice(0, 22)}"`;
}
