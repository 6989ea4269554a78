import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ApiError, type ErrorPath } from './api-error.js';
import { jsonDepthExceeds, MAX_BODY_DEPTH, yamlDepthExceeds } from './nesting-depth.js';

/** Default body size limit of admin writes (1 MiB). */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** YAML aliases allowed in one document: enough for real configs, far too few for an alias bomb. */
const MAX_YAML_ALIASES = 50;

/**
 * Middleware rejecting a body larger than `maxBytes` with `413 payload_too_large` (whether or not the client sent
 * a `Content-Length`).
 */
export function limitBody(maxBytes: number = DEFAULT_BODY_LIMIT): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ApiError('payload_too_large', `request body exceeds ${maxBytes} bytes`);
    },
  });
}

/** Which body formats a route accepts. */
export interface ReadBodyOptions {
  /** Accept `application/yaml` (and `application/x-yaml`, `text/yaml`) besides JSON. */
  yaml?: boolean;
}

type BodyFormat = 'json' | 'yaml';

function formatOf(contentType: string | undefined, allowYaml: boolean): BodyFormat | undefined {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType === 'application/json' || /^application\/[\w.+-]+\+json$/.test(mediaType)) return 'json';
  if (
    allowYaml &&
    ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'].includes(mediaType)
  ) {
    return 'yaml';
  }
  return undefined;
}

function tooDeep(): ApiError {
  return new ApiError('invalid_body', `body nests deeper than ${MAX_BODY_DEPTH} levels`, []);
}

function parseYaml(text: string): unknown {
  // Checked on the tokens, before composing: the composer recurses, and a deep enough document exhausts the heap.
  if (yamlDepthExceeds(text)) throw tooDeep();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const problem = doc.errors[0];
  if (problem) throw new ApiError('invalid_body', `body is not valid YAML: ${problem.message}`, []);
  try {
    return doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (error) {
    // Excessive alias expansion (a "billion laughs" document) and similar resource errors end up here.
    throw new ApiError('invalid_body', `body is not acceptable YAML: ${(error as Error).message}`, []);
  }
}

/**
 * Reads the request body as JSON (or YAML when allowed) without validating it.
 *
 * @throws ApiError `unsupported_media_type` for any other content type, `invalid_body` for a body that does not
 * parse.
 */
export async function readRawBody(c: Context, options: ReadBodyOptions = {}): Promise<unknown> {
  const format = formatOf(c.req.header('content-type'), options.yaml === true);
  if (!format) {
    const accepted = options.yaml ? 'application/json or application/yaml' : 'application/json';
    throw new ApiError('unsupported_media_type', `content-type must be ${accepted}`);
  }
  const text = await c.req.text();
  if (format === 'yaml') return parseYaml(text);
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    throw new ApiError('invalid_body', 'body is not valid JSON', []);
  }
  // Validation and targeting compilation recurse: a body deeper than any real document is refused here.
  if (jsonDepthExceeds(value)) throw tooDeep();
  return value;
}

/** Turns a zod error into `400 invalid_body` naming the first offending path. */
export function invalidBody(error: z.ZodError, prefix: ErrorPath = []): ApiError {
  const issue = error.issues[0];
  const path = [...prefix, ...(issue?.path ?? []).map((p) => (typeof p === 'symbol' ? String(p) : p))];
  const where = path.length > 0 ? `${path.join('.')}: ` : '';
  return new ApiError('invalid_body', `${where}${issue?.message ?? 'invalid body'}`, path);
}

/**
 * Reads and validates the request body against `schema`. This runs before a route consults any state, so an
 * invalid body is always a 400.
 *
 * @example
 * const input = await readBody(c, segmentBodySchema);
 */
export async function readBody<S extends z.ZodType>(
  c: Context,
  schema: S,
  options: ReadBodyOptions = {},
): Promise<z.output<S>> {
  const raw = await readRawBody(c, options);
  const result = schema.safeParse(raw);
  if (!result.success) throw invalidBody(result.error);
  return result.data;
}
