import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header that carries a delivery's signature. */
export const SIGNATURE_HEADER = 'X-Canary-Signature';

/** `sha256=<hex HMAC-SHA256 of the raw body with the secret>`, the value of {@link SIGNATURE_HEADER}. */
export function signWebhook(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/**
 * Whether `signature` is the signature of `body` with `secret`, compared in constant time: what a receiver does.
 *
 * @example
 * if (!verifyWebhook(rawBody, req.headers['x-canary-signature'], secret)) return res.writeHead(401).end();
 */
export function verifyWebhook(body: string, signature: string | undefined, secret: string): boolean {
  if (signature === undefined) return false;
  const expected = Buffer.from(signWebhook(body, secret));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
