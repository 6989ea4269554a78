import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { CanaryApiError, type PackSummary, type RolloutSummary } from './canary-api.js';
import { preparePack, readPackFile, withEvaluation, withVersion } from './pack-setup.js';
import { scenariosDir } from './scenario.js';

const text = readFileSync(join(scenariosDir, '../packs/support-prompts.yaml'), 'utf8');

/** A daemon reduced to the pack rules of PROMPTPACK.md that the launcher relies on. */
class FakeDaemon {
  stable: string | undefined;
  live: string | null = null;
  applied: string[] = [];
  deleted = 0;

  async getPack(): Promise<PackSummary | undefined> {
    return this.stable === undefined ? undefined : this.#view();
  }
  async deletePack(): Promise<void> {
    this.deleted += 1;
    this.stable = undefined;
    this.live = null;
  }
  async applyPack(_name: string, yaml: string): Promise<{ pack: PackSummary }> {
    const { version } = readPackFile(yaml);
    this.applied.push(version);
    if (this.stable === undefined) this.stable = version;
    else if (this.live !== null && version !== 'same')
      throw new CanaryApiError(409, 'rollout_in_progress', 'live');
    else if (version !== this.stable) this.live = `r-${this.applied.length}`;
    return { pack: this.#view() };
  }
  async getRollout(id: string): Promise<RolloutSummary> {
    return { id, phase: 'Progressing' } as RolloutSummary;
  }
  #view(): PackSummary {
    return { name: 'support-prompts', stableVersion: this.stable ?? '', liveRollout: this.live };
  }
}

const quiet = { log: () => {} };

describe('preparing the pack', () => {
  it('reads the name and version, and rewrites only the version', () => {
    expect(readPackFile(text)).toMatchObject({ name: 'support-prompts', version: '2.4.0' });
    const stable = withVersion(text, '2.3.1');
    expect(readPackFile(stable)).toMatchObject({ version: '2.3.1', hasContent: true });
    expect(stable).toContain('minSamples: 25');
    // The stable version gets its own prompt and temperature, from the pack's annotations.
    const spec = YAML.parse(stable).spec;
    expect(spec.prompts.system).toEqual({
      role: 'system',
      text: 'You are a support agent. Answer in one short paragraph.',
    });
    expect(spec.model.parameters.temperature).toBe(0.3);
    expect(YAML.parse(text).spec.model.parameters.temperature).toBe(0.7);
  });

  it('applies the stable version first on a daemon without the pack, then starts the rollout', async () => {
    const daemon = new FakeDaemon();
    const prepared = await preparePack(daemon, readPackFile(text), {
      stableVersion: '2.3.1',
      reset: true,
      ...quiet,
    });
    expect(daemon.applied).toEqual(['2.3.1', '2.4.0']);
    expect(prepared).toMatchObject({ stableVersion: '2.3.1', rollout: { id: 'r-2' } });
  });

  it('resets a pack an earlier run completed, when allowed', async () => {
    const daemon = new FakeDaemon();
    daemon.stable = '2.4.0';
    await preparePack(daemon, readPackFile(text), { stableVersion: '2.3.1', reset: true, ...quiet });
    expect(daemon.deleted).toBe(1);
    expect(daemon.applied).toEqual(['2.3.1', '2.4.0']);
  });

  it('follows a live rollout on a daemon it may not reset, and says when nothing rolls out', async () => {
    const daemon = new FakeDaemon();
    daemon.stable = '2.3.1';
    daemon.live = 'r-live';
    const prepared = await preparePack(daemon, readPackFile(text), {
      stableVersion: '2.3.1',
      reset: false,
      ...quiet,
    });
    expect(prepared.rollout.id).toBe('r-live');
    expect(daemon.deleted).toBe(0);

    const done = new FakeDaemon();
    done.stable = '2.4.0';
    await expect(
      preparePack(done, readPackFile(text), { stableVersion: '2.3.1', reset: false, ...quiet }),
    ).rejects.toThrow(/started no rollout \(stable is 2.4.0\)/);
  });
});

describe('withEvaluation', () => {
  const evaluation = {
    url: 'http://127.0.0.1:4100/score',
    secret: 's3cret',
    everyMs: 300_000,
    sample: 40,
    timeoutMs: 120_000,
    maxDecrease: '5pt',
    evaluator: 'judge',
  };

  it("points the pack's evaluation hook at the judge and gates its evaluator, keeping every other metric", () => {
    const before = YAML.parse(text);
    const after = YAML.parse(withEvaluation(text, evaluation));
    expect(after.spec.rollout.analysis.evaluation).toEqual({
      every: '300s',
      sample: 40,
      hook: { url: evaluation.url, secret: 's3cret' },
      timeout: '120s',
    });
    expect(after.spec.rollout.analysis.metrics).toEqual([
      ...before.spec.rollout.analysis.metrics,
      { name: 'eval_pass_rate', evaluator: 'judge', maxDecrease: '5pt' },
    ]);
  });

  it('adds no second gate when the pack has one for the evaluator, and makes the list when there is none', () => {
    const once = withEvaluation(text, evaluation);
    const twice = YAML.parse(withEvaluation(once, evaluation));
    expect(
      twice.spec.rollout.analysis.metrics.filter((m: { name: string }) => m.name === 'eval_pass_rate'),
    ).toHaveLength(1);
    const bare = YAML.parse(withEvaluation('metadata: { name: p }\nspec: { version: "1" }\n', evaluation));
    expect(bare.spec.rollout.analysis.metrics).toEqual([
      { name: 'eval_pass_rate', evaluator: 'judge', maxDecrease: '5pt' },
    ]);
  });
});
