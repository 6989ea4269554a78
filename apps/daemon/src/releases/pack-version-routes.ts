import type { PackVersionContent, PackVersionView } from '@prompt-canary/api-types';
import type { Hono } from 'hono';
import type { AppContext } from '../app-context.js';
import type { AppEnv } from '../app-env.js';
import { ApiError } from '../http/api-error.js';

/**
 * `GET /api/v1/packs/{name}/versions` (every applied version with its content hash, first applied first, and which
 * are served now) and `GET /api/v1/packs/{name}/versions/{version}` (that version's bundle
 * `{version, prompts, model, attributes}` with its `contentHash`, also the `ETag`).
 */
export function registerPackVersionRoutes(app: Hono<AppEnv>, ctx: AppContext): void {
  const stores = ctx.store;
  ctx.docs.add(
    {
      method: 'get',
      path: '/api/v1/packs/:name/versions',
      summary: 'Every applied version of a pack with its content hash, first applied first',
      scope: 'read',
      tags: ['packs'],
      responses: {
        200: '[{version, contentHash, bytes, revision, actor, firstAppliedAt, serving}]',
        404: 'not_found',
      },
    },
    {
      method: 'get',
      path: '/api/v1/packs/:name/versions/:version',
      summary: "One version's bundle {version, prompts, model, attributes} with its contentHash",
      scope: 'read',
      tags: ['packs'],
      responses: { 200: 'the bundle', 404: 'not_found' },
    },
  );

  app.get('/api/v1/packs/:name/versions', (c) => {
    const name = c.req.param('name');
    const stored = stores.packs.get(name);
    if (!stored) throw new ApiError('not_found', `no pack "${name}"`);
    const live = stores.rollouts.live(name);
    const versions = stores.packVersions.list(name).map(
      (v): PackVersionView => ({
        version: v.version,
        contentHash: v.contentHash,
        bytes: v.bytes,
        revision: v.revision,
        actor: v.actor,
        firstAppliedAt: v.firstAppliedAt,
        serving:
          v.version === stored.stableVersion ? 'stable' : v.version === live?.canaryVersion ? 'canary' : null,
      }),
    );
    return c.json(versions);
  });

  app.get('/api/v1/packs/:name/versions/:version', (c) => {
    const name = c.req.param('name');
    const version = c.req.param('version');
    if (!stores.packs.get(name)) throw new ApiError('not_found', `no pack "${name}"`);
    const found = stores.packVersions.get(name, version);
    if (!found) throw new ApiError('not_found', `pack "${name}" has no recorded version "${version}"`);
    c.header('ETag', `"${found.contentHash}"`);
    return c.json({ ...found.bundle, contentHash: found.contentHash } as PackVersionContent);
  });
}
