import { formatDuration } from '@prompt-canary/api-types';
import { type ChangeDeps, type ChangeLog, commitChange } from '../changes/commit-change.js';
import type { PackStore } from '../packs/pack-store.js';
import type { NotifyTarget } from '../packs/prompt-pack.js';
import { effectiveWeight } from '../rollouts/effective-weight.js';
import type { RolloutStore } from '../rollouts/rollout-store.js';
import type { WebhookPayload } from '../webhooks/webhook-event.js';
import type { DrillRecord, DrillStep, DrillStore } from './drill-store.js';
import type { InstanceRevisions } from './instance-revisions.js';

/** How far back an app instance counts as one that should apply the drill: the last hour. */
export const INSTANCE_WINDOW_MS = 3_600_000;

/** Default `timeout` of a drill: 30 s. */
export const DEFAULT_DRILL_TIMEOUT_MS = 30_000;

/** Real ms between looks at the evidence while a drill waits. */
const POLL_MS = 100;

/** The ports a drill writes and reads. */
export interface DrillStores extends ChangeLog {
  readonly packs: Pick<PackStore, 'get'>;
  readonly rollouts: Pick<RolloutStore, 'live'>;
  readonly drills: DrillStore;
}

/** What {@link runDrill} works with. */
export interface DrillDeps extends ChangeDeps<DrillStores> {
  /** The config revision the sync stream serves now. */
  servedRevision(): number;
  /** Open config-sync and OFREP event streams: the subscribers a push reaches. */
  subscribers(): Promise<number>;
  readonly instances: Pick<InstanceRevisions, 'instances'>;
  /** Delivers the drill's webhook to the pack's targets, resolving with what reached whom. */
  deliver(
    targets: readonly NotifyTarget[],
    payload: WebhookPayload,
  ): Promise<{ delivered: number; failed: string[] }>;
}

/** Who asks for the drill, why, and how long it may wait. */
export interface DrillRequest {
  readonly pack: string;
  readonly actor: string;
  readonly reason?: string | undefined;
  readonly timeoutMs: number;
}

/** The API's answer: `ok` when every step held within the timeout, and each step's report. */
export interface DrillReport {
  readonly ok: boolean;
  readonly steps: DrillStep[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * A rollback drill: proves the path a real rollback takes without changing what anyone is served. It commits a
 * config revision through `commitChange` (audit `pack.drill`) exactly as a rollback's transition does, so the same
 * config stream pushes it to every provider; then it waits, until `timeoutMs` of real time, for the evidence:
 *
 * - `committed`: the revision and its audit entry are in the database;
 * - `pushed`: the sync stream serves that revision, to N open subscribers;
 * - `applied`: every app instance whose telemetry for the pack arrived in the last hour has since evaluated with that
 *   revision or a later one (`feature_flag.version` per `service.instance.id`); the others are named;
 * - `webhooks`: the pack's `notify` targets received `rollout.drill` (with `drill: true`, so nobody is paged).
 *
 * The result is saved as the pack's last drill whether or not every step held.
 *
 * @throws Error from the commit (the caller's error handler answers it); a missing pack is the caller's to check.
 */
export async function runDrill(deps: DrillDeps, request: DrillRequest): Promise<DrillReport> {
  const { store, clock } = deps;
  const startedMs = Date.now();
  const elapsed = () => Date.now() - startedMs;
  const deadline = startedMs + request.timeoutMs;
  const at = new Date(clock.now()).toISOString();
  const stored = store.packs.get(request.pack);
  const live = store.rollouts.live(request.pack);
  // The instances to hear from: those seen before the drill began (an instance that starts now reads the new config).
  const expected = deps.instances.instances(request.pack, INSTANCE_WINDOW_MS);

  const { revision } = commitChange(
    deps,
    {
      actor: request.actor,
      action: 'pack.drill',
      target: `pack:${request.pack}`,
      pack: request.pack,
      reason: request.reason ?? 'rollback drill',
      after: { drill: true, instances: expected.length },
      configChanged: true,
    },
    () => undefined,
  );
  const drillRevision = revision ?? 0;
  const steps: DrillStep[] = [
    {
      name: 'committed',
      ok: true,
      ms: elapsed(),
      detail: `revision ${drillRevision} committed (audit pack.drill)`,
    },
  ];

  const targets = stored?.pack.spec.rollout.notify ?? [];
  const webhooks = (async (): Promise<DrillStep> => {
    if (targets.length === 0)
      return { name: 'webhooks', ok: true, ms: elapsed(), detail: 'no notify targets' };
    const weight = live === undefined ? 0 : effectiveWeight(live, clock.now());
    const payload: WebhookPayload = {
      event: 'rollout.drill',
      pack: request.pack,
      rolloutId: live?.id ?? null,
      phase: live?.phase ?? null,
      weight,
      reason: request.reason ?? 'rollback drill',
      at,
      text: `*${request.pack}* rollback drill by ${request.actor}: revision ${drillRevision} pushed; nothing changed for users`,
      drill: true,
    };
    const outcome = await Promise.race([
      deps.deliver(targets, payload),
      sleep(Math.max(0, deadline - Date.now())).then(() => undefined),
    ]);
    if (outcome === undefined) {
      return {
        name: 'webhooks',
        ok: false,
        ms: elapsed(),
        detail: `not delivered within ${formatDuration(request.timeoutMs)}`,
      };
    }
    const failed = outcome.failed.length === 0 ? '' : `; failed: ${outcome.failed.join(', ')}`;
    return {
      name: 'webhooks',
      ok: outcome.failed.length === 0,
      ms: elapsed(),
      detail: `delivered to ${outcome.delivered} of ${targets.length} targets${failed}`,
    };
  })();

  while (deps.servedRevision() < drillRevision && Date.now() < deadline) await sleep(POLL_MS);
  const served = deps.servedRevision() >= drillRevision;
  const subscribers = await deps.subscribers();
  steps.push({
    name: 'pushed',
    ok: served,
    ms: elapsed(),
    detail: served
      ? `revision ${drillRevision} pushed to ${subscribers} subscriber${subscribers === 1 ? '' : 's'}`
      : `the config stream still serves revision ${deps.servedRevision()}`,
  });

  const lagging = () => {
    const now = new Map(
      deps.instances.instances(request.pack, INSTANCE_WINDOW_MS).map((i) => [i.instance, i]),
    );
    return expected.map((i) => now.get(i.instance) ?? i).filter((i) => i.revision < drillRevision);
  };
  while (lagging().length > 0 && Date.now() < deadline) await sleep(POLL_MS);
  const behind = lagging();
  const applied = expected.length - behind.length;
  const nowMs = clock.now();
  const named = behind
    .map(
      (i) =>
        `${i.instance} (revision ${i.revision}, last seen ${formatDuration(Math.max(0, nowMs - i.lastSeenMs))} ago)`,
    )
    .join(', ');
  steps.push({
    name: 'applied',
    ok: expected.length > 0 && behind.length === 0,
    ms: elapsed(),
    detail:
      expected.length === 0
        ? 'no app instance sent telemetry for this pack in the last hour: nothing shows the revision was applied'
        : `applied by ${applied} of ${expected.length} app instances seen in the last hour${behind.length === 0 ? '' : `; not applied: ${named}`}`,
  });
  steps.push(await webhooks);

  const report: DrillReport = { ok: steps.every((step) => step.ok), steps };
  const record: DrillRecord = { at, ok: report.ok, revision: drillRevision, steps };
  store.drills.save(request.pack, record);
  return report;
}
