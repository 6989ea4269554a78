import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { eventsOf } from '../audit/event-routes.js';
import { apiErrorStatus } from '../http/api-error.js';
import { createTestDaemon } from '../testing/test-daemon.js';
import type { WebhookEventName } from '../webhooks/webhook-event.js';

/**
 * The user-facing references (`docs/api.md`, `docs/promptpack.md`) are checked against the daemon itself, so a
 * route, error code, event or PromptPack field added to the code without a word in the docs fails here.
 */

const docsDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../docs');
const apiMd = readFileSync(resolve(docsDir, 'api.md'), 'utf8');
const promptpackMd = readFileSync(resolve(docsDir, 'promptpack.md'), 'utf8');

type JsonSchema = { properties?: Record<string, JsonSchema>; items?: JsonSchema; [key: string]: unknown };

/** Every property name in a JSON schema, at any depth (through arrays, unions and records). */
function propertyNames(schema: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) {
    for (const item of schema) propertyNames(item, out);
    return out;
  }
  if (schema === null || typeof schema !== 'object') return out;
  const node = schema as JsonSchema;
  for (const [name, inner] of Object.entries(node.properties ?? {})) {
    out.add(name);
    propertyNames(inner, out);
  }
  for (const [key, value] of Object.entries(node)) if (key !== 'properties') propertyNames(value, out);
  return out;
}

describe('docs/api.md', () => {
  it('names every route of /openapi.json with its method, and the OTLP routes', async () => {
    const d = createTestDaemon();
    const doc = await (await d.request('/openapi.json', { as: null })).json();
    const missing: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths as Record<string, object>)) {
      for (const method of Object.keys(operations)) {
        const shown = `${method.toUpperCase()} ${path}`;
        // Rollout actions share one row per action; a route is documented when its method and path appear.
        if (!apiMd.includes(shown)) missing.push(shown);
      }
    }
    for (const route of ['POST /v1/traces', 'POST /v1/metrics', 'GET /ui']) {
      if (!apiMd.includes(route)) missing.push(route);
    }
    expect(missing).toEqual([]);
    await d.close();
  });

  it('lists every error code with its status', () => {
    for (const [code, status] of Object.entries(apiErrorStatus)) {
      expect(apiMd, code).toMatch(new RegExp(`\\| \`${code}\`\\s+\\| ${status} `));
    }
  });

  it('lists every webhook event and every event-stream message', () => {
    const events: Record<WebhookEventName, true> = {
      'rollout.started': true,
      'rollout.stepped': true,
      'rollout.paused': true,
      'rollout.awaiting_approval': true,
      'rollout.rolled_back': true,
      'rollout.completed': true,
      'rollout.no_data': true,
      'rollout.srm': true,
      'rollout.metric_notify': true,
      'rollout.drill': true,
    };
    for (const name of Object.keys(events)) expect(apiMd).toContain(`| \`${name}\``);
    const messages = eventsOf({
      id: 1,
      at: '2026-01-01T00:00:00.000Z',
      actor: 'admin',
      action: 'rollout.pause',
      target: 'rollout:r1',
      pack: 'p',
      reason: 'why',
      before: null,
      after: { phase: 'Paused', weight: 10 },
      revision: 1,
    });
    for (const message of messages) expect(apiMd).toContain(`| \`${message.event}\``);
    const rollout = JSON.parse(messages[0]?.data ?? '{}') as Record<string, unknown>;
    expect(apiMd).toContain(`\`{${Object.keys(rollout).join(', ')}}\``);
    // The provider streams: the sync stream's `config` event and OFREP's `refetchEvaluation` notice.
    expect(apiMd).toContain('`event: config`');
    expect(apiMd).toContain('"type": "refetchEvaluation"');
  });
});

describe('docs/promptpack.md', () => {
  it('explains every field the PromptPack schema accepts', async () => {
    const d = createTestDaemon();
    const doc = await (await d.request('/openapi.json', { as: null })).json();
    const schema = doc.paths['/api/v1/packs/{name}'].put.requestBody.content['application/json'].schema;
    const fields = [...propertyNames(schema)];
    expect(fields).toContain('canaryWeight');
    // A field counts as explained where it is written as code: `field`, `parent.field`, or a YAML key `field:`.
    const missing = fields.filter((field) => !new RegExp(`[\`.{ \n(]${field}[\`:},]`).test(promptpackMd));
    expect(missing).toEqual([]);
    await d.close();
  });
});
