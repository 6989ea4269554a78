import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDuration as parseSharedDuration } from '@prompt-canary/api-types';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** How one prompt version behaves in the simulated LLM. */
export interface VersionProfile {
  /** `gen_ai.request.model` of the LLM call. */
  model: string;
  /** Log-normal latency of one answer, in milliseconds. */
  latencyMs: { median: number; p99: number };
  /** Share of answers that fail (span status ERROR, no feedback). */
  errorRate: number;
  /** Mean input tokens of one answer. */
  inputTokens: number;
  /** Mean output tokens of one answer. */
  outputTokens: number;
  /** Share of answers that call a tool (only those carry `app.tool_call.correct`). */
  toolCallRate: number;
  /** Share of tool calls that are correct. */
  toolCallAccuracy: number;
  /** User feedback after a successful answer. */
  feedback: {
    /** Share of answers that get a 1–5 rating (`feedback`) and a thumb. */
    rate: number;
    /** Mean rating, 1–5. */
    satisfaction: number;
    /** Share of thumbs that are up. */
    thumbsUpRate: number;
  };
  /** Share of answers the demo's judge passes (default {@link DEFAULT_EVAL_PASS_RATE}). */
  evalPassRate?: number;
}

/** The judge's pass rate of a profile that sets none. */
export const DEFAULT_EVAL_PASS_RATE = 0.95;

/** A scenario's live-traffic evals: the pack's `analysis.evaluation` cadence, pointed at the demo's judge. */
export interface ScenarioEvals {
  /** Rollout time between batches, ms. */
  everyMs: number;
  /** Trace ids per arm per batch. */
  sample: number;
  /** How long the judge has to answer a batch, ms. */
  timeoutMs: number;
  /** The gate the launcher adds to the pack, e.g. `{ name: eval_pass_rate, evaluator: judge, maxDecrease: 5pt }`. */
  maxDecrease: string;
}

/** A change in the canary's behaviour from `afterMs` of scenario time on. */
export interface ScenarioPhase {
  /** Scenario time (real time × time scale) since traffic started, in ms. */
  afterMs: number;
  /** One line for people: what changes. */
  description: string;
  profile: VersionProfile;
}

/** A scenario: traffic shape, the stable version's behaviour, and the canary's, possibly changing over time. */
export interface Scenario {
  name: string;
  description: string;
  /** Seed of the simulation: the same seed replays the same sessions and answers. */
  seed: number;
  traffic: {
    requestsPerSecond: number;
    /** Requests per session: a whole number drawn uniformly from [min, max]. */
    requestsPerSession: { min: number; max: number };
    /** Share of sessions with `plan: internal`. */
    internalShare: number;
    /** Share of sessions with `beta: true`. */
    betaShare: number;
  };
  stable: VersionProfile;
  /** The canary from the start; later phases replace it. */
  canary: VersionProfile;
  phases: ScenarioPhase[];
  /** Evals on sampled live traffic, scored by the demo's judge; absent: none. */
  evals?: ScenarioEvals;
}

/** The scenarios shipped in `apps/demo/scenarios/`. */
export const BUILT_IN_SCENARIOS = ['success', 'regression', 'tradeoff', 'aa', 'quality'] as const;

/** Directory of the shipped scenario files. */
export const scenariosDir = resolve(dirname(fileURLToPath(import.meta.url)), '../scenarios');

/** Parses `500ms`, `8s`, `5m`, `1h` (or a number of ms) into milliseconds; `undefined` when malformed. */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text : undefined;
  return parseSharedDuration(text);
}

const share = z.number().min(0).max(1);
const positive = z.number().positive();

const profileFields = {
  model: z.string().min(1),
  latencyMs: z
    .strictObject({ median: positive, p99: positive })
    .refine((l) => l.p99 >= l.median, { message: 'p99 must be at least the median' }),
  errorRate: share,
  inputTokens: positive,
  outputTokens: positive,
  toolCallRate: share,
  toolCallAccuracy: share,
  feedback: z.strictObject({ rate: share, satisfaction: z.number().min(1).max(5), thumbsUpRate: share }),
  evalPassRate: share.optional(),
};

const profileSchema = z.strictObject(profileFields);
const overrideSchema = z.strictObject(profileFields).partial();
const durationSchema = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a duration such as 5m, got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return ms;
});

const scenarioSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().default(''),
  seed: z.int().default(1),
  traffic: z.strictObject({
    requestsPerSecond: positive.default(50),
    requestsPerSession: z
      .strictObject({ min: z.int().min(1), max: z.int().min(1) })
      .default({ min: 1, max: 3 }),
    internalShare: share.default(0.05),
    betaShare: share.default(0.1),
  }),
  stable: profileSchema,
  canary: overrideSchema
    .extend({
      phases: z
        .array(overrideSchema.extend({ after: durationSchema, description: z.string().default('') }))
        .default([]),
    })
    .default({ phases: [] }),
  evals: z
    .strictObject({
      every: durationSchema.default(300_000),
      sample: z.int().min(1).max(1000).default(40),
      timeout: durationSchema.default(300_000),
      maxDecrease: z.string().default('5pt'),
    })
    .optional(),
});

/** A scenario file that does not describe a scenario; the message names the field. */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
}

function mergeProfile(base: VersionProfile, override: Partial<VersionProfile>): VersionProfile {
  const defined = Object.fromEntries(Object.entries(override).filter(([, v]) => v !== undefined));
  return { ...base, ...defined };
}

/**
 * Parses a scenario document (YAML or JSON). Canary fields left out inherit the stable version's; each phase
 * inherits from the one before it.
 *
 * @throws ScenarioError naming the first invalid field.
 */
export function parseScenario(text: string, source = 'scenario'): Scenario {
  const result = scenarioSchema.safeParse(parseYaml(text));
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ScenarioError(
      `${source}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const { stable, canary: canarySpec, traffic, evals: evalSpec, ...rest } = result.data;
  if (traffic.requestsPerSession.max < traffic.requestsPerSession.min) {
    throw new ScenarioError(`${source}: traffic.requestsPerSession: max must be at least min`);
  }
  const { phases: phaseSpecs, ...canaryOverride } = canarySpec;
  const canary = mergeProfile(stable, canaryOverride);
  let previous = canary;
  const phases = [...phaseSpecs]
    .sort((a, b) => a.after - b.after)
    .map(({ after, description, ...override }) => {
      previous = mergeProfile(previous, override);
      return { afterMs: after, description, profile: previous };
    });
  const evals =
    evalSpec === undefined
      ? {}
      : {
          evals: {
            everyMs: evalSpec.every,
            sample: evalSpec.sample,
            timeoutMs: evalSpec.timeout,
            maxDecrease: evalSpec.maxDecrease,
          },
        };
  return { ...rest, traffic, stable, canary, phases, ...evals };
}

/** Loads a shipped scenario by name (`success`, `regression`, …) or a scenario file by path. */
export function loadScenario(nameOrPath: string): Scenario {
  const path = (BUILT_IN_SCENARIOS as readonly string[]).includes(nameOrPath)
    ? join(scenariosDir, `${nameOrPath}.yaml`)
    : resolve(nameOrPath);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ScenarioError(
      `cannot read scenario ${nameOrPath} (${(error as Error).message}); built in: ${BUILT_IN_SCENARIOS.join(', ')}`,
    );
  }
  return parseScenario(text, path);
}

/** The canary's profile at `elapsedMs` of scenario time. */
export function canaryProfileAt(scenario: Scenario, elapsedMs: number): VersionProfile {
  let profile = scenario.canary;
  for (const phase of scenario.phases) if (phase.afterMs <= elapsedMs) profile = phase.profile;
  return profile;
}
