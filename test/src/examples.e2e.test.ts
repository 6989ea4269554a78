import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { spawnCli } from './cli-process.js';
import { api, type DaemonProcess, repoRoot, startDaemon } from './daemon-process.js';

/** Every pack in `examples/`, applied as written to the built daemon. */

const examples = join(repoRoot, 'examples');

interface PackDoc {
  metadata: { name: string };
  spec: { version: string; rollout: Record<string, unknown> };
}

interface RolloutDetail {
  id: string;
  phase: string;
  reason: string;
  weight: number;
  effectiveWeight: number;
  step: number;
  steps: number;
  segment: string | null;
  strategy?: string;
  stage?: string | null;
  stableVersion: string;
  canaryVersion: string;
  plan: {
    strategy?: string;
    rollbackWindowMs?: number;
    steps: Array<{ weight: number; approval: boolean; minDurationMs: number; monitorForMs: number }>;
    segmentPhases: Array<{ name: string; weight: number }>;
  };
}

function readExample(file: string): { text: string; doc: PackDoc } {
  const text = readFileSync(join(examples, file), 'utf8');
  return { text, doc: YAML.parse(text) as PackDoc };
}

describe('the example packs against the real daemon', () => {
  let daemon: DaemonProcess;

  beforeAll(async () => {
    daemon = await startDaemon();
  });
  afterAll(async () => {
    await daemon?.stop();
  });

  async function applyYaml(name: string, text: string): Promise<Response> {
    return api(daemon, `/api/v1/packs/${name}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/yaml' },
      body: text,
    });
  }

  /** Applies the example with another version first (it becomes stable), then as written; returns the rollout. */
  async function startRollout(
    file: string,
    stable: string,
  ): Promise<{ doc: PackDoc; rollout: RolloutDetail }> {
    const { text, doc } = readExample(file);
    const name = doc.metadata.name;
    const first = await applyYaml(
      name,
      text.replace(`version: "${doc.spec.version}"`, `version: "${stable}"`),
    );
    expect(first.status, await first.clone().text()).toBe(201);
    const second = await applyYaml(name, text);
    const body = (await second.json()) as { rollout?: { id: string } };
    expect(second.status, JSON.stringify(body)).toBe(200);
    expect(body.rollout?.id).toBeDefined();
    const detail = await api(daemon, `/api/v1/rollouts/${body.rollout?.id}`);
    return { doc, rollout: (await detail.json()) as RolloutDetail };
  }

  async function evaluate(flag: string, context: Record<string, unknown>) {
    const res = await api(daemon, `/ofrep/v1/evaluate/flags/${flag}`, { method: 'POST', json: { context } });
    expect(res.status).toBe(200);
    return (await res.json()) as { value: string; reason: string };
  }

  it('ramp.yaml starts a ten-step ramp at 10% from the stable version', async () => {
    const { doc, rollout } = await startRollout('ramp.yaml', '2.3.1');
    expect(rollout).toMatchObject({
      phase: 'Progressing',
      stableVersion: '2.3.1',
      canaryVersion: doc.spec.version,
      weight: 10,
      effectiveWeight: 10,
      step: 1,
      steps: 10,
    });
    expect(rollout.plan.steps.map((s) => s.weight)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(rollout.plan.steps[0]?.minDurationMs).toBe(5 * 60_000);
  });

  it('blue-green.yaml previews to internal users, then switches everyone with an hour to roll back', async () => {
    const { doc, rollout } = await startRollout('blue-green.yaml', '4.1.0');
    expect(rollout).toMatchObject({
      phase: 'Progressing',
      stableVersion: '4.1.0',
      canaryVersion: doc.spec.version,
      strategy: 'blueGreen',
      stage: 'preview',
      segment: 'internal_users',
      weight: 100,
    });
    expect(rollout.plan).toMatchObject({ strategy: 'blueGreen', rollbackWindowMs: 3_600_000 });
    expect(rollout.plan.steps.map((s) => [s.weight, s.monitorForMs])).toEqual([[100, 3_600_000]]);
    expect((await evaluate('billing-prompts', { targetingKey: 's1', plan: 'internal' })).value).toBe('4.2.0');
    expect((await evaluate('billing-prompts', { targetingKey: 's1', plan: 'pro' })).value).toBe('4.1.0');
  });

  it('stages-approval.yaml runs its four stages and waits for a person at 50%', async () => {
    const { rollout } = await startRollout('stages-approval.yaml', '1.9.0');
    expect(rollout.plan.steps.map((s) => [s.weight, s.approval])).toEqual([
      [1, false],
      [10, false],
      [50, true],
      [100, false],
    ]);
    expect(rollout.plan.steps[3]?.monitorForMs).toBe(72 * 3_600_000);
    expect(rollout.weight).toBe(1);
    // An operator can walk the stages by hand; the 50% stage is the one the controller leaves to a person.
    for (const expected of [10, 50]) {
      const res = await api(daemon, `/api/v1/rollouts/${rollout.id}/promote`, {
        method: 'POST',
        json: { reason: 'example walk-through' },
      });
      expect(((await res.json()) as RolloutDetail).weight).toBe(expected);
    }
  });

  it('segments.yaml needs its named segments, then serves internal users the canary first', async () => {
    const { text, doc } = readExample('segments.yaml');
    const name = doc.metadata.name;
    const refused = await applyYaml(name, text.replace(doc.spec.version, '3.0.0'));
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { code: string }).code).toBe('unknown_segment');

    const definitions = YAML.parse(
      readFileSync(join(examples, 'segment-definitions.yaml'), 'utf8'),
    ) as Record<string, { match: Record<string, unknown> }>;
    expect(Object.keys(definitions).sort()).toEqual(['beta_users', 'internal_users']);
    for (const [segment, body] of Object.entries(definitions)) {
      const res = await api(daemon, `/api/v1/segments/${segment}`, { method: 'PUT', json: body });
      expect(res.status).toBe(201);
    }

    expect((await applyYaml(name, text.replace(doc.spec.version, '3.0.0'))).status).toBe(201);
    const applied = await applyYaml(name, text);
    expect(applied.status).toBe(200);
    const { rollout } = (await applied.json()) as { rollout: RolloutDetail };
    expect(rollout).toMatchObject({ phase: 'Progressing', segment: 'internal_users', step: 0, weight: 100 });

    const internal = await evaluate(name, { targetingKey: 'session-1', plan: 'internal' });
    expect(internal).toMatchObject({ value: doc.spec.version, reason: 'TARGETING_MATCH' });
    const others = await Promise.all(
      Array.from({ length: 20 }, (_, i) => evaluate(name, { targetingKey: `session-${i}`, plan: 'free' })),
    );
    expect(new Set(others.map((o) => o.value))).toEqual(new Set(['3.0.0']));
  });

  it('schedule.yaml serves the weight of the UTC window open now, with no steps', async () => {
    const { rollout } = await startRollout('schedule.yaml', '1.2.0');
    const hour = new Date().getUTCHours();
    // The windows of schedule.yaml: 02-06 → 50, 06-18 → 10, 18-02 → 30.
    const expected = hour >= 2 && hour < 6 ? 50 : hour >= 6 && hour < 18 ? 10 : 30;
    const now = (await (await api(daemon, `/api/v1/rollouts/${rollout.id}`)).json()) as RolloutDetail;
    // A window boundary may pass between the two reads; the hour is read again to be sure.
    if (new Date().getUTCHours() === hour) expect(now.effectiveWeight).toBe(expected);
    expect(now.steps).toBe(0);
    expect(now.plan.steps).toEqual([]);
  });

  it('prompts.yaml applies through the CLI (its prompt file read beside it) and serves each version its bundle', async () => {
    const file = join(examples, 'prompts.yaml');
    const doc = YAML.parse(readFileSync(file, 'utf8')) as PackDoc;
    const name = doc.metadata.name;
    // The stable version first: the same pack with another version and another text, sent as JSON.
    const stable = structuredClone(doc) as PackDoc & { spec: { prompts: Record<string, unknown> } };
    stable.spec.version = '2.3.1';
    stable.spec.prompts = {
      ...stable.spec.prompts,
      system: { text: 'You are a support agent.', role: 'system' },
    };
    expect((await api(daemon, `/api/v1/packs/${name}`, { method: 'PUT', json: stable })).status).toBe(201);
    const applied = await spawnCli(daemon, ['apply', '-f', file]).exited;
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('+- Cite the help-center article you used, by its title.');
    const bundle = (await (await api(daemon, `/api/v1/packs/${name}/versions/2.4.0`)).json()) as {
      prompts: { system: { text: string; role: string } };
      model: { parameters: { temperature: number } };
      attributes: Record<string, unknown>;
    };
    expect(bundle.prompts.system.text).toBe(
      readFileSync(join(examples, 'prompts/support-system.md'), 'utf8'),
    );
    expect(bundle.prompts.system.role).toBe('system');
    expect(bundle.model.parameters.temperature).toBe(0.3);
    expect(bundle.attributes).toEqual({ ticketTool: 'open_ticket', escalateAfterTurns: 6 });
    const served = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const res = await api(daemon, `/ofrep/v1/evaluate/flags/${name}.content`, {
        method: 'POST',
        json: { context: { targetingKey: `session-${i}` } },
      });
      const answer = (await res.json()) as { variant: string; value: { version: string } };
      expect(answer.value.version).toBe(answer.variant);
      served.add(answer.variant);
    }
    expect(served).toEqual(new Set(['2.3.1', '2.4.0']));
  });
});
