import type { ApplyResult, PackView } from '@prompt-canary/api-types';
import type { Condition } from '@prompt-canary/rules';
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import type { AppContext } from '../app-context.js';
import { type AppEnv, actorOf } from '../app-env.js';
import { commitChange } from '../changes/commit-change.js';
import { contentKeyOf } from '../flags/companion-key.js';
import { ApiError } from '../http/api-error.js';
import { checkIfMatch } from '../http/etag.js';
import { limitBody, readRawBody } from '../http/request-body.js';
import { decideApply } from '../packs/apply-decision.js';
import { toleranceMeaningWarnings } from '../packs/meaning-warnings.js';
import { parsePromptPack, promptPackSchema } from '../packs/pack-schema.js';
import type { PromptPack } from '../packs/prompt-pack.js';
import { bundleBytes, bundleOf, contentHashOf } from '../packs/version-bundle.js';
import { buildRolloutPlan, type RolloutPlan } from '../rollouts/rollout-plan.js';
import { rolloutView } from '../rollouts/rollout-view.js';
import { applyPack } from './apply-pack.js';
import { packHistory, packView } from './pack-view.js';

/** Options of {@link registerPackRoutes}; tests fix rollout ids with `newId`. */
export interface PackRouteOptions {
  readonly newId?: () => string;
  /** Apply-time warnings for a rollout that starts (steps that cannot reach their minimum samples in time). */
  readonly warnings?: (pack: PromptPack, plan: RolloutPlan) => string[];
}

/**
 * Validates a PromptPack body: schema, units and cross-field rules, and the path's name.
 *
 * @throws ApiError `invalid_body` with the path of the first problem (the others are listed in the message).
 */
export function parsePackBody(name: string, body: unknown): PromptPack {
  const result = parsePromptPack(body);
  if (!result.ok) {
    const [first, ...rest] = result.issues;
    const where = first && first.path.length > 0 ? `${first.path.join('.')}: ` : '';
    const more =
      rest.length > 0 ? ` (and ${rest.length} more: ${rest.map((i) => i.path.join('.')).join(', ')})` : '';
    throw new ApiError(
      'invalid_body',
      `${where}${first?.message ?? 'invalid PromptPack'}${more}`,
      first?.path ?? [],
    );
  }
  if (result.pack.metadata.name !== name) {
    throw new ApiError(
      'invalid_body',
      `metadata.name "${result.pack.metadata.name}" differs from the path's "${name}"`,
      ['metadata', 'name'],
    );
  }
  return result.pack;
}

/** Builds the rollout plan, resolving named segments from the daemon's segments. */
function planFor(ctx: AppContext, pack: PromptPack): RolloutPlan {
  const definitions = new Map<string, Condition>(ctx.store.segments.list().map((s) => [s.name, s.match]));
  const built = buildRolloutPlan(pack.spec.rollout, definitions);
  if (!built.ok) throw new ApiError('unknown_segment', built.error.message, built.error.path);
  return built.plan;
}

function notFound(name: string): ApiError {
  return new ApiError('not_found', `no pack "${name}"`);
}

/**
 * Refuses a version's bundle larger than `maxBytes` (400 `content_too_large`, at `spec`), naming its size and the
 * largest prompt.
 */
export function checkBundleSize(pack: PromptPack, maxBytes: number): void {
  const bytes = bundleBytes(bundleOf(pack));
  if (bytes <= maxBytes) return;
  const prompts = Object.entries(pack.spec.prompts ?? {}).sort((a, b) => b[1].text.length - a[1].text.length);
  const largest = prompts[0];
  throw new ApiError(
    'content_too_large',
    `the content of version ${pack.spec.version} is ${bytes} bytes, over the ${maxBytes}-byte limit` +
      (largest === undefined
        ? ''
        : ` (largest prompt: "${largest[0]}", ${largest[1].text.length} characters)`) +
      ': keep long material outside the pack (CANARYD_MAX_BUNDLE_BYTES raises the limit)',
    ['spec'],
  );
}

/**
 * `PUT /api/v1/packs/{name}` (JSON or YAML), `GET /api/v1/packs`, `GET|DELETE /api/v1/packs/{name}`: PromptPacks,
 * their versions and the rollouts that applying them starts (PROMPTPACK.md "Versions and rollouts").
 */
export function registerPackRoutes(app: Hono<AppEnv>, ctx: AppContext, options: PackRouteOptions = {}): void {
  const stores = ctx.store;
  const liveId = (name: string) => stores.rollouts.live(name)?.id ?? null;
  const lastDrill = (name: string) => stores.drills.last(name) ?? null;
  const tags = ['packs'];
  ctx.docs.add(
    {
      method: 'get',
      path: '/api/v1/packs',
      summary: 'List PromptPacks',
      scope: 'read',
      tags,
      responses: { 200: 'packs' },
    },
    {
      method: 'get',
      path: '/api/v1/packs/:name',
      summary: 'Read a PromptPack with its stable version, live rollout and history',
      scope: 'read',
      tags,
      responses: { 200: 'the pack', 404: 'not_found' },
    },
    {
      method: 'put',
      path: '/api/v1/packs/:name',
      summary: 'Apply a PromptPack: create it, start, retry or fast-roll-back a rollout (PROMPTPACK.md)',
      scope: 'admin',
      tags,
      body: promptPackSchema,
      yaml: true,
      responses: {
        200: '{pack, revision, rollout?, warnings?}: warnings name words whose meaning changed since the stored pack',
        201: 'created: the version is stable',
        400: 'invalid_body | unknown_segment | content_too_large',
        409: 'version_content_changed | rollout_in_progress | already_exists',
        412: 'precondition_failed',
        413: 'payload_too_large',
        415: 'unsupported_media_type',
      },
    },
    {
      method: 'delete',
      path: '/api/v1/packs/:name',
      summary: 'Delete a PromptPack and its flag (?force=true during a rollout)',
      scope: 'admin',
      tags,
      query: z.object({ force: z.enum(['true', 'false']).optional() }),
      responses: { 204: 'deleted', 404: 'not_found', 409: 'rollout_in_progress', 412: 'precondition_failed' },
    },
  );

  app.get('/api/v1/packs', (c) =>
    c.json(
      stores.packs.list().map((stored) => ({
        ...packView(stored, liveId(stored.name)),
        lastDrill: lastDrill(stored.name),
      })) satisfies PackView[],
    ),
  );

  app.get('/api/v1/packs/:name', (c) => {
    const name = c.req.param('name');
    const stored = stores.packs.get(name);
    if (!stored) throw notFound(name);
    c.header('ETag', stored.etag);
    return c.json({
      ...packView(stored, liveId(name)),
      history: packHistory(stores.packs.history(name)),
      lastDrill: lastDrill(name),
    } satisfies PackView);
  });

  app.put('/api/v1/packs/:name', limitBody(ctx.settings.largeBodyLimitBytes), async (c) => {
    const name = c.req.param('name');
    // The body is validated before any state is consulted: an invalid body is 400 even where a valid one is 409.
    const pack = parsePackBody(name, await readRawBody(c, { yaml: true }));
    checkBundleSize(pack, ctx.settings.maxBundleBytes);
    const plan = planFor(ctx, pack);
    const stored = stores.packs.get(name) ?? null;
    checkIfMatch(c, stored?.etag);
    // A version's content is fixed by its first apply; this comes before the rollout checks (a changed text is the
    // mistake to report, whatever the rollout's state).
    const known = stores.packVersions.get(name, pack.spec.version);
    if (known !== undefined && known.contentHash !== contentHashOf(bundleOf(pack))) {
      throw new ApiError(
        'version_content_changed',
        `version ${pack.spec.version} of "${name}" was applied on ${known.firstAppliedAt} with other content ` +
          `(${known.contentHash}); a version's content cannot change: give the new content a new version (bump spec.version)`,
        ['spec', 'version'],
      );
    }
    const companion = ctx.store.flags.get(contentKeyOf(name));
    if (companion && companion.ownerPack !== name) {
      throw new ApiError(
        'already_exists',
        `a plain flag "${contentKeyOf(name)}" exists, the key a pack named "${name}" serves its content under: delete or rename it first`,
      );
    }
    const live = stores.rollouts.live(name) ?? null;
    const decision = decideApply({ stored, live, incoming: pack });
    if (decision.kind === 'conflict') throw new ApiError(decision.code, decision.message);
    // What an upgrade of the stored pack wrote down, and words whose meaning changed since it was applied.
    const meaning = [
      ...stores.packs.takeUpgradeNotes(name),
      ...(stored === null ? [] : toleranceMeaningWarnings(stored.pack, pack)),
    ];
    if (decision.kind === 'unchanged') return answer(c, stored, live, 200, meaning);
    if (decision.kind === 'create') {
      const plain = ctx.store.flags.get(name);
      if (plain && plain.ownerPack !== name) {
        throw new ApiError(
          'already_exists',
          `a plain flag "${name}" exists: delete it before applying a pack of that name`,
        );
      }
    }
    const applied = applyPack(ctx, {
      pack,
      plan,
      decision,
      stored,
      live,
      actor: actorOf(c),
      ...(options.newId ? { newId: options.newId } : {}),
    });
    const warnings = [
      ...meaning,
      ...(decision.kind === 'start_rollout' && options.warnings ? options.warnings(pack, plan) : []),
    ];
    return answer(c, applied.stored, applied.rollout, decision.status, warnings);
  });

  app.delete('/api/v1/packs/:name', (c) => {
    const name = c.req.param('name');
    const stored = stores.packs.get(name);
    if (!stored) throw notFound(name);
    const live = stores.rollouts.live(name);
    if (live && c.req.query('force') !== 'true') {
      throw new ApiError(
        'rollout_in_progress',
        `rollout ${live.id} of pack "${name}" is live: roll it back or promote it first, or delete with ?force=true`,
      );
    }
    checkIfMatch(c, stored.etag);
    commitChange(
      ctx,
      {
        actor: actorOf(c),
        action: 'pack.delete',
        target: `pack:${name}`,
        pack: name,
        reason: live ? `forced delete during rollout ${live.id}` : null,
        before: stored.pack,
        configChanged: true,
      },
      (store) => {
        stores.rollouts.deleteForPack(name);
        stores.packs.delete(name);
        stores.packVersions.deletePack(name);
        stores.drills.deletePack(name);
        store.flags.delete(name);
        store.flags.delete(contentKeyOf(name));
      },
    );
    return c.body(null, 204);
  });

  function answer(
    c: Context<AppEnv>,
    stored: ReturnType<typeof stores.packs.get> | null,
    rollout: ReturnType<typeof stores.rollouts.get> | null,
    status: 200 | 201,
    warnings: readonly string[] = [],
  ): Response {
    if (!stored) throw new Error('a pack answer needs the stored pack');
    c.header('ETag', stored.etag);
    const live =
      rollout && (rollout.phase === 'Progressing' || rollout.phase === 'Paused') ? rollout.id : null;
    const body = {
      pack: packView(stored, live),
      revision: stored.revision,
      ...(rollout ? { rollout: rolloutView(rollout, ctx.clock.now(), ctx.clock.timeScale) } : {}),
      ...(warnings.length > 0 ? { warnings } : {}),
    } satisfies ApplyResult;
    return c.json(body, status);
  }
}
