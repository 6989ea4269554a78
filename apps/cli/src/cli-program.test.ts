import { describe, expect, it } from 'vitest';
import { runCli } from './cli-program.js';
import { analysis } from './testing/analysis-fixture.js';
import { recordingTerminal } from './testing/recording-terminal.js';

interface Seen {
  url: string;
  method: string;
  authorization: string | null;
  body?: string;
}

/** A fetch that answers from a table of `METHOD path` → [status, body] and records the requests. */
function fakeFetch(routes: Record<string, [number, unknown]>, seen: Seen[] = []): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    const method = init?.method ?? 'GET';
    const headers = new Headers(init?.headers);
    seen.push({
      url: String(input),
      method,
      authorization: headers.get('authorization'),
      ...(typeof init?.body === 'string' ? { body: init.body } : {}),
    });
    const route = routes[`${method} ${url.pathname}`];
    if (!route)
      return Response.json({ code: 'not_found', message: `no route ${url.pathname}` }, { status: 404 });
    return Response.json(route[1], { status: route[0] });
  }) as typeof fetch;
}

async function run(argv: string[], options: { env?: Record<string, string>; fetch?: typeof fetch } = {}) {
  const terminal = recordingTerminal();
  const code = await runCli(argv, {
    terminal,
    env: options.env ?? {},
    fetch: options.fetch ?? fakeFetch({}),
    readFile: async (path) => {
      throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    },
  });
  return { code, out: terminal.out(), err: terminal.err() };
}

const rollout = {
  id: 'r1',
  pack: 'support-prompts',
  phase: 'Progressing',
  reason: 'Started',
  stableVersion: '2.4.0',
  canaryVersion: '2.5.0',
  weight: 10,
  effectiveWeight: 10,
  step: 1,
  steps: 10,
  segment: null,
  startedAt: '2025-01-31T12:00:00Z',
  updatedAt: '2025-01-31T12:00:00Z',
};
const pack = {
  name: 'support-prompts',
  stableVersion: '2.4.0',
  revision: 2,
  liveRollout: 'r1',
  spec: { version: '2.5.0' },
};

describe('usage errors exit 2', () => {
  it.each([
    [[]],
    [['bogus']],
    [['get']],
    [['get', 'flags']],
    [['status']],
    [['apply']],
    [['apply', '-f']],
    [['get', 'packs', '--output', 'yaml']],
    [['get', 'rollouts', '--phase', 'Running']],
    [['history', 'p', '--limit', '0']],
    [['watch', 'p', '--interval', 'soon']],
    [['pause', 'p', '--nope']],
    [['export', 'yaml']],
  ])('canary %j', async (argv) => {
    const result = await run(argv);
    expect(result.code).toBe(2);
    expect(result.err).not.toBe('');
  });

  it('says what is wrong in one line', async () => {
    const result = await run(['get', 'flags']);
    expect(result.err.trim().split('\n')).toHaveLength(1);
    expect(result.err).toMatch(/^error: .*'flags'.*packs, rollouts/);
  });

  it('exits 2 when the pack file cannot be read', async () => {
    const result = await run(['apply', '-f', 'missing.yaml']);
    expect(result).toMatchObject({ code: 2, err: 'error: cannot read missing.yaml: ENOENT\n' });
  });

  it('exits 0 for help and version', async () => {
    expect((await run(['--help'])).code).toBe(0);
    expect((await run(['status', '--help'])).code).toBe(0);
    expect((await run(['--version'])).code).toBe(0);
  });
});

describe('where and as whom', () => {
  it('defaults to localhost:4000 without a token', async () => {
    const seen: Seen[] = [];
    await run(['get', 'packs'], { fetch: fakeFetch({ 'GET /api/v1/packs': [200, []] }, seen) });
    expect(seen[0]).toMatchObject({ url: 'http://localhost:4000/api/v1/packs', authorization: null });
  });

  it('reads CANARY_URL and CANARY_TOKEN, and flags win over them', async () => {
    const seen: Seen[] = [];
    const fetch = fakeFetch({ 'GET /api/v1/packs': [200, []] }, seen);
    const env = { CANARY_URL: 'http://canary.internal:9000/', CANARY_TOKEN: 'from-env' };
    await run(['get', 'packs'], { env, fetch });
    await run(['get', 'packs', '--url', 'http://other:1', '--token', 'from-flag'], { env, fetch });
    await run(['--token', 'before-command', 'get', 'packs'], { env, fetch });
    expect(seen.map((s) => [s.url, s.authorization])).toEqual([
      ['http://canary.internal:9000/api/v1/packs', 'Bearer from-env'],
      ['http://other:1/api/v1/packs', 'Bearer from-flag'],
      ['http://canary.internal:9000/api/v1/packs', 'Bearer before-command'],
    ]);
  });
});

describe('errors from the server or the network exit 1, in one line with the code', () => {
  it('prints the server code and message', async () => {
    const fetch = fakeFetch({
      'GET /api/v1/packs/support-prompts': [200, pack],
      'GET /api/v1/rollouts': [200, [rollout]],
      'POST /api/v1/rollouts/r1/promote': [
        409,
        { code: 'rollout_not_active', message: 'rollout r1 is RolledBack' },
      ],
    });
    const result = await run(['promote', 'support-prompts'], { fetch });
    expect(result).toMatchObject({ code: 1, err: 'error: rollout_not_active: rollout r1 is RolledBack\n' });
  });

  it('reports an unreachable daemon as a network error', async () => {
    const fetch: typeof globalThis.fetch = (async () => {
      throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    }) as typeof fetch;
    const result = await run(['get', 'rollouts'], { fetch });
    expect(result).toMatchObject({
      code: 1,
      err: 'error: network: cannot reach http://localhost:4000 (ECONNREFUSED)\n',
    });
  });

  it('an action without a live rollout is rollout_not_active', async () => {
    const fetch = fakeFetch({
      'GET /api/v1/packs/support-prompts': [200, { ...pack, liveRollout: null }],
      'GET /api/v1/rollouts': [200, []],
    });
    const result = await run(['rollback', 'support-prompts', '--reason', 'x'], { fetch });
    expect(result).toMatchObject({
      code: 1,
      err: 'error: rollout_not_active: pack "support-prompts" has no live rollout\n',
    });
  });
});

describe('actions', () => {
  it('send the reason and --full to the live rollout', async () => {
    const seen: Seen[] = [];
    const fetch = fakeFetch(
      {
        'GET /api/v1/packs/support-prompts': [200, pack],
        'GET /api/v1/rollouts': [200, [rollout]],
        'POST /api/v1/rollouts/r1/promote': [
          200,
          { ...rollout, phase: 'Completed', weight: 100, step: 10, timeline: [] },
        ],
      },
      seen,
    );
    const result = await run(['promote', 'support-prompts', '--full', '--reason', 'ship it'], { fetch });
    expect(result.code).toBe(0);
    expect(seen.at(-1)).toMatchObject({ method: 'POST', body: '{"reason":"ship it","full":true}' });
    expect(result.out).toMatch(/support-prompts: rollout r1 promoted to 100%: ✔ Completed/);
  });

  it('pass units, hard-limit windows and SRM units through unchanged with status --output json', async () => {
    const fetch = fakeFetch({
      'GET /api/v1/packs/support-prompts': [200, pack],
      'GET /api/v1/rollouts': [200, [rollout]],
      'GET /api/v1/rollouts/r1': [200, rollout],
      'GET /api/v1/rollouts/r1/analysis': [200, analysis],
    });
    const result = await run(['status', 'support-prompts', '-o', 'json'], { fetch });
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.out);
    expect(printed.analysis).toEqual(analysis);
    expect(printed.analysis.checks[0]).toMatchObject({
      nUnits: { stable: 2410, canary: 268 },
      window: { from: '2025-01-31T11:57:00.000Z', to: '2025-01-31T12:00:00.000Z' },
    });
    expect(printed.analysis.srm.units).toEqual({ stable: 2410, canary: 268 });
  });

  it('print the server answer with --output json', async () => {
    const fetch = fakeFetch({ 'GET /api/v1/rollouts': [200, [rollout]] });
    const result = await run(['get', 'rollouts', '-o', 'json'], { fetch });
    expect(JSON.parse(result.out)).toEqual([rollout]);
  });
});

describe('blue-green rollouts', () => {
  const switched = {
    ...rollout,
    weight: 100,
    effectiveWeight: 100,
    step: 2,
    steps: 2,
    strategy: 'blueGreen',
    stage: 'rollbackWindow',
    stageEndsAt: '2025-01-31T12:42:00Z',
  };
  const now = () => Date.parse('2025-01-31T12:00:00Z');

  it('status says the strategy, the stage and when it ends', async () => {
    const fetch = fakeFetch({
      'GET /api/v1/packs/support-prompts': [200, pack],
      'GET /api/v1/rollouts': [200, [switched]],
      'GET /api/v1/rollouts/r1': [200, { ...switched, timeline: [], spec: { analysis: { metrics: [] } } }],
      'GET /api/v1/rollouts/r1/analysis': [200, analysis],
    });
    const terminal = recordingTerminal();
    const code = await runCli(['status', 'support-prompts'], {
      terminal,
      env: {},
      fetch,
      now,
      readFile: async () => '',
    });
    expect(code).toBe(0);
    expect(terminal.out()).toContain('blue-green · rollback window · ends in 42m (12:42 UTC)');
  });

  it('get rollouts has a strategy column and the stage for a switch', async () => {
    const fetch = fakeFetch({ 'GET /api/v1/rollouts': [200, [switched, rollout]] });
    const result = await run(['get', 'rollouts'], { fetch });
    expect(result.code).toBe(0);
    const [header, first, second] = result.out.split('\n');
    expect(header).toMatch(/PHASE\s+STRATEGY\s+STEP/);
    expect(first).toMatch(/blue-green\s+rollback window/);
    expect(second).toMatch(/canary\s+1\/10/);
  });
});
