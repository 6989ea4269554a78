import { z } from 'zod';
import type { Scope } from '../auth/scopes.js';

/** How one route is described in `/openapi.json`. Request schemas are the zod schemas that validate requests. */
export interface RouteDoc {
  method: 'get' | 'put' | 'post' | 'delete';
  /** Hono-style path (`/api/v1/flags/:key`); rendered as `{key}`. */
  path: string;
  summary: string;
  /** `null` for open routes. */
  scope: Scope | null;
  tags?: string[];
  /** JSON request body schema. */
  body?: z.ZodType;
  /** Also accepts the body as `application/yaml`. */
  yaml?: boolean;
  query?: z.ZodObject;
  /** Status → description of the answers. */
  responses: Record<number, string>;
}

type JsonObject = Record<string, unknown>;

function jsonSchema(schema: z.ZodType): JsonObject {
  // The request side of each schema: what a client may send (preprocessors accept their input as is).
  const out = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
    target: 'draft-2020-12',
  }) as JsonObject;
  delete out.$schema;
  return out;
}

const errorSchema = {
  type: 'object',
  required: ['code', 'message'],
  properties: {
    code: { type: 'string' },
    message: { type: 'string' },
    path: { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'integer' }] } },
  },
};

/** What every route that writes may also answer: the database refusing the write, whole (`http/api-error.ts`). */
const STORAGE_ERRORS =
  'storage_busy (the database locked by another process past the busy timeout), storage_full (no room ' +
  'left) or storage_unavailable (PostgreSQL cannot be reached): nothing was written; retry after Retry-After';

/** A route's answers, with the 503 of a refused write on every route that writes (OFREP only reads). */
function withStorageErrors(route: RouteDoc): Record<number, string> {
  const writes = route.method !== 'get' && !route.path.startsWith('/ofrep/');
  return writes ? { ...route.responses, 503: route.responses[503] ?? STORAGE_ERRORS } : route.responses;
}

/**
 * The catalogue of routes that `/openapi.json` describes. Each feature adds its routes where it registers them
 * (`ctx.docs.add({...})`), with the same schemas it validates with, so the document cannot drift from the code.
 */
export class ApiDocs {
  readonly #routes: RouteDoc[] = [];

  /** Adds a route to the document. */
  add(...docs: RouteDoc[]): void {
    this.#routes.push(...docs);
  }

  /** The routes described so far. */
  get routes(): readonly RouteDoc[] {
    return this.#routes;
  }

  /** Renders the OpenAPI 3.1 document. */
  document(version: string): JsonObject {
    const paths: Record<string, JsonObject> = {};
    for (const route of this.#routes) {
      const path = route.path.replace(/:(\w+)/g, '{$1}');
      const params = [...route.path.matchAll(/:(\w+)/g)].map((m) => ({
        name: m[1],
        in: 'path',
        required: true,
        schema: { type: 'string' },
      }));
      const query = route.query
        ? Object.entries((jsonSchema(route.query).properties ?? {}) as Record<string, JsonObject>).map(
            ([name, schema]) => ({ name, in: 'query', required: false, schema }),
          )
        : [];
      const operation: JsonObject = {
        summary: route.summary,
        tags: route.tags ?? [],
        security: route.scope === null ? [] : [{ bearer: [] }, { apiKey: [] }],
        'x-scope': route.scope,
        parameters: [...params, ...query],
        responses: Object.fromEntries(
          Object.entries(withStorageErrors(route)).map(([status, description]) => [
            status,
            Number(status) >= 400 && route.path.startsWith('/api/')
              ? {
                  description,
                  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
                }
              : { description },
          ]),
        ),
      };
      if (route.body) {
        const schema = jsonSchema(route.body);
        const content: JsonObject = { 'application/json': { schema } };
        if (route.yaml) content['application/yaml'] = { schema };
        operation.requestBody = { required: true, content };
      }
      paths[path] = { ...(paths[path] ?? {}), [route.method]: operation };
    }
    return {
      openapi: '3.1.0',
      info: {
        title: 'canaryd',
        version,
        description: 'Prompt Canary daemon: admin API, OFREP, config push.',
      },
      paths,
      components: {
        schemas: { Error: errorSchema },
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
    };
  }
}
