import { parseDocument } from 'yaml';
import { type CanaryApi, CanaryApiError, type RolloutSummary } from './canary-api.js';

/** A PromptPack file as the launcher needs it: its name, the version it rolls out, and the text. */
export interface PackFile {
  name: string;
  version: string;
  text: string;
  /** The pack carries prompts: apps read each version's bundle from `<name>.content`. */
  hasContent: boolean;
}

/** Reads a PromptPack document's `metadata.name` and `spec.version`. */
export function readPackFile(text: string): PackFile {
  const doc = parseDocument(text);
  const name = doc.getIn(['metadata', 'name']);
  const version = doc.getIn(['spec', 'version']);
  if (typeof name !== 'string' || name === '') throw new Error('the pack has no metadata.name');
  if (typeof version !== 'string' && typeof version !== 'number')
    throw new Error('the pack has no spec.version');
  return { name, version: String(version), text, hasContent: doc.hasIn(['spec', 'prompts']) };
}

/** Annotation of a pack naming the system prompt the launcher gives the stable version it applies first. */
export const STABLE_PROMPT_ANNOTATION = 'demo.promptcanary.dev/stable-system-prompt';
/** Annotation of a pack naming the temperature the launcher gives that stable version. */
export const STABLE_TEMPERATURE_ANNOTATION = 'demo.promptcanary.dev/stable-temperature';

/**
 * The same pack document with another `spec.version` (used to apply the stable version first). A version's content is
 * its own: when the pack carries prompts and names the stable version's prompt and temperature in its annotations,
 * the stable version gets those, so the two versions differ in text as a real prompt change does.
 */
export function withVersion(text: string, version: string): string {
  const doc = parseDocument(text);
  doc.setIn(['spec', 'version'], version);
  const prompt = doc.getIn(['metadata', 'annotations', STABLE_PROMPT_ANNOTATION]);
  if (typeof prompt === 'string' && doc.hasIn(['spec', 'prompts', 'system'])) {
    doc.setIn(['spec', 'prompts', 'system'], doc.createNode({ role: 'system', text: prompt }));
  }
  const temperature = Number(doc.getIn(['metadata', 'annotations', STABLE_TEMPERATURE_ANNOTATION]));
  if (Number.isFinite(temperature) && doc.hasIn(['spec', 'model', 'parameters', 'temperature'])) {
    doc.setIn(['spec', 'model', 'parameters', 'temperature'], temperature);
  }
  return doc.toString();
}

/** The demo judge's hook and cadence, as {@link withEvaluation} writes them into a pack. */
export interface PackEvaluation {
  readonly url: string;
  readonly secret: string;
  readonly everyMs: number;
  readonly sample: number;
  readonly timeoutMs: number;
  /** The `eval_pass_rate:judge` gate's tolerance, e.g. `5pt`. */
  readonly maxDecrease: string;
  /** The evaluator the judge posts as. */
  readonly evaluator: string;
}

/**
 * The same pack document with `spec.rollout.analysis.evaluation` pointing at the demo's judge, and an
 * `eval_pass_rate` gate for the judge's evaluator unless the pack has one already.
 */
export function withEvaluation(text: string, evaluation: PackEvaluation): string {
  const doc = parseDocument(text);
  const seconds = (ms: number) => `${Math.max(1, Math.round(ms / 1000))}s`;
  doc.setIn(['spec', 'rollout', 'analysis', 'evaluation'], {
    every: seconds(evaluation.everyMs),
    sample: evaluation.sample,
    hook: { url: evaluation.url, secret: evaluation.secret },
    timeout: seconds(evaluation.timeoutMs),
  });
  const metrics = doc.getIn(['spec', 'rollout', 'analysis', 'metrics']);
  const listed = (metrics as { toJSON?: () => unknown } | undefined)?.toJSON?.();
  const gated =
    Array.isArray(listed) &&
    listed.some(
      (m) =>
        typeof m === 'object' &&
        m !== null &&
        (m as Record<string, unknown>).name === 'eval_pass_rate' &&
        (m as Record<string, unknown>).evaluator === evaluation.evaluator,
    );
  if (!gated) {
    const gate = {
      name: 'eval_pass_rate',
      evaluator: evaluation.evaluator,
      maxDecrease: evaluation.maxDecrease,
    };
    if (Array.isArray(listed)) doc.addIn(['spec', 'rollout', 'analysis', 'metrics'], gate);
    else doc.setIn(['spec', 'rollout', 'analysis', 'metrics'], [gate]);
  }
  return doc.toString();
}

/** Options of {@link preparePack}. */
export interface PreparePackOptions {
  /** The version to make stable when the pack is new (or reset). */
  stableVersion: string;
  /** Delete the pack first when it is not in the state the demo starts from (the launcher's own daemon only). */
  reset: boolean;
  log(line: string): void;
}

/** What {@link preparePack} leaves running: the rollout to follow and the stable version it rolls out from. */
export interface PreparedRollout {
  rollout: RolloutSummary;
  stableVersion: string;
}

/**
 * Brings the pack to a live rollout: on a daemon without the pack, applies it with `stableVersion` first (the
 * first apply of a pack makes its version stable), then applies the file, which starts the rollout. With `reset`,
 * a pack left by an earlier run (another stable version, or a live rollout) is deleted first. Without it, a live
 * rollout of the pack is followed as it is.
 *
 * @throws Error when the file's version is already stable and nothing rolls out.
 */
export async function preparePack(
  api: Pick<CanaryApi, 'getPack' | 'deletePack' | 'applyPack' | 'getRollout'>,
  pack: PackFile,
  options: PreparePackOptions,
): Promise<PreparedRollout> {
  let existing = await api.getPack(pack.name);
  if (
    existing &&
    options.reset &&
    (existing.stableVersion !== options.stableVersion || existing.liveRollout !== null)
  ) {
    options.log(`resetting pack ${pack.name} left by an earlier run (stable ${existing.stableVersion})`);
    await api.deletePack(pack.name);
    existing = undefined;
  }
  if (!existing) {
    if (pack.version === options.stableVersion) {
      throw new Error(`the pack's spec.version is ${pack.version}, the stable version: nothing to roll out`);
    }
    await api.applyPack(pack.name, withVersion(pack.text, options.stableVersion));
    options.log(`applied ${pack.name} ${options.stableVersion} (stable)`);
  }
  try {
    const applied = await api.applyPack(pack.name, pack.text);
    const live = applied.pack.liveRollout;
    if (live === null) {
      throw new Error(
        `applying ${pack.name} ${pack.version} started no rollout (stable is ${applied.pack.stableVersion})`,
      );
    }
    options.log(`applied ${pack.name} ${pack.version}: rollout ${live} started`);
    return { rollout: await api.getRollout(live), stableVersion: applied.pack.stableVersion };
  } catch (error) {
    if (!(error instanceof CanaryApiError && error.code === 'rollout_in_progress')) throw error;
    const current = await api.getPack(pack.name);
    if (!current?.liveRollout) throw error;
    options.log(`${pack.name} already has a live rollout (${current.liveRollout}): following it`);
    return { rollout: await api.getRollout(current.liveRollout), stableVersion: current.stableVersion };
  }
}
