import type { Hono } from 'hono';
import type { SSEMessage } from 'hono/streaming';
import type { AppContext } from '../app-context.js';
import type { AppEnv } from '../app-env.js';
import { OpenStreams } from '../sync/event-stream.js';
import { auditView } from './audit-routes.js';
import type { AuditEntry } from './audit-store.js';

/** How many missed entries a reconnecting client is sent at most. */
const MAX_REPLAY = 500;

/** The events of one audit entry: always `audit`, and `rollout` too for a rollout's transition. */
export function eventsOf(entry: AuditEntry): SSEMessage[] {
  const id = String(entry.id);
  const messages: SSEMessage[] = [{ event: 'audit', id, data: JSON.stringify(auditView(entry)) }];
  if (entry.action.startsWith('rollout.')) {
    const after = (entry.after ?? {}) as Record<string, unknown>;
    messages.unshift({
      event: 'rollout',
      id,
      data: JSON.stringify({
        id: entry.target.replace(/^rollout:/, ''),
        pack: entry.pack,
        action: entry.action.slice('rollout.'.length),
        phase: after.phase,
        weight: after.weight,
        reason: entry.reason,
        actor: entry.actor,
        at: entry.at,
      }),
    });
  }
  return messages;
}

/**
 * `GET /api/v1/events` (scope `read`): a `text/event-stream` of audit entries (`event: audit`) and rollout
 * transitions (`event: rollout`), as they commit; `id` is the audit entry's id, and `Last-Event-ID` replays what
 * a reconnecting client missed. What the dashboard and `canary watch` follow.
 */
export function registerEventRoutes(app: Hono<AppEnv>, ctx: AppContext): void {
  const streams = new OpenStreams(ctx, 'events');
  ctx.docs.add({
    method: 'get',
    path: '/api/v1/events',
    summary: 'Server-sent events: `rollout` transitions and `audit` entries as they commit',
    scope: 'read',
    tags: ['audit'],
    responses: { 200: 'text/event-stream' },
  });

  app.get('/api/v1/events', (c) => {
    const lastEventId = Number(c.req.header('last-event-id'));
    return streams.serve(c, (sink) => {
      if (Number.isInteger(lastEventId) && lastEventId >= 0) {
        for (const entry of ctx.store.audit.since(lastEventId, MAX_REPLAY)) {
          for (const message of eventsOf(entry)) sink.send(message);
        }
      }
      return ctx.feed.subscribe((event) => {
        for (const message of eventsOf(event.audit)) sink.send(message);
      });
    });
  });
}
