import type { Hono } from 'hono';
import type { AppContext } from '../app-context.js';
import type { AppEnv } from '../app-env.js';
import { encodeSse, FrameFanOut, OpenStreams, type SseEvent } from '../http/event-stream.js';
import { auditView } from './audit-routes.js';
import type { AuditEntry } from './audit-store.js';

/** How many missed entries a reconnecting client is sent at most. */
const MAX_REPLAY = 500;

function concatFrames(frames: Uint8Array[]): Uint8Array {
  if (frames.length === 1) return frames[0] as Uint8Array;
  return Buffer.concat(frames);
}

/** The events of one audit entry: always `audit`, and `rollout` too for a rollout's transition. */
export function eventsOf(entry: AuditEntry): SseEvent[] {
  const id = String(entry.id);
  const messages: SseEvent[] = [{ event: 'audit', id, data: JSON.stringify(auditView(entry)) }];
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
  // Each committed entry's events are encoded once, for every stream, after the committing request is answered.
  const fanOut = new FrameFanOut((entry: AuditEntry) => concatFrames(eventsOf(entry).map(encodeSse)));
  ctx.feed.subscribe((event) => fanOut.publish(event.audit));
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
      // Entries are sent once each, in id order: one committed between connect and its fan-out is in the replay.
      let last = -1;
      if (Number.isInteger(lastEventId) && lastEventId >= 0) {
        for (const entry of ctx.store.audit.since(lastEventId, MAX_REPLAY)) {
          for (const message of eventsOf(entry)) sink.send(message);
          last = Math.max(last, entry.id);
        }
      }
      return fanOut.subscribe((frame, entry) => {
        if (entry.id <= last) return;
        last = entry.id;
        sink.write(frame);
      });
    });
  });
}
