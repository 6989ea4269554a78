import type { Client, EvaluationContext } from '@openfeature/server-sdk';
import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { getPrompt } from '@prompt-canary/openfeature-provider';
import type { AnswerLog } from './answer-log.js';
import { canaryProfileAt, DEFAULT_EVAL_PASS_RATE, type Scenario } from './scenario.js';
import type { SeededRandom } from './seeded-random.js';
import { simulateAnswer } from './simulated-llm.js';

/** One user's conversation: the sticky unit of the rollout. */
export interface SupportSession {
  /** The `targetingKey`: the same session always lands on the same version. */
  id: string;
  /** Extra evaluation context: `plan: internal` and `beta: true` sessions belong to the demo's segments. */
  attributes: { plan: 'internal' | 'pro' | 'free'; beta?: true };
  /** The session's own random stream (answers and feedback), so that sessions are independent. */
  random: SeededRandom;
}

/** What one answer did, for the demo's counters. */
export interface AnswerOutcome {
  version: string;
  /** The system prompt the answer used: the bundle's, or the demo's own when the pack carries no prompts. */
  systemPrompt: string;
  /** The temperature the answer used: the bundle's model parameter, or the demo's default. */
  temperature: number;
  role: 'stable' | 'canary';
  reason: string | undefined;
  latencyMs: number;
  error: boolean;
}

/** What {@link SupportAgent} is built from. */
export interface SupportAgentOptions {
  /** An OpenFeature client whose provider is a `PromptCanaryProvider` (any provider works). */
  client: Client;
  tracer: Tracer;
  scenario: Scenario;
  /** The flag (PromptPack name) that picks the prompt version. */
  flagKey: string;
  /**
   * The pack carries its prompts (`spec.prompts`): read the version's bundle from `<flagKey>.content` with
   * `getPrompt`. Otherwise only the version string is read and the demo's own prompt is used.
   */
  readsContent?: boolean;
  /** The version the scenario's `stable` profile describes; every other served version plays the canary. */
  stableVersion: string;
  /** Scenario time runs this many times faster than real time (the daemon's `--time-scale`). */
  timeScale: number;
  /** When traffic started (epoch ms): the origin of scenario time. */
  startedAtMs: number;
  now?: () => number;
  /** Where each answer is logged by trace id for the demo's judge (scenarios with `evals`). */
  answers?: AnswerLog;
}

/** The system prompt and temperature of a pack that carries no content (the demo's own packs carry them). */
export const DEFAULT_SYSTEM_PROMPT = 'You are a support agent.';
export const DEFAULT_TEMPERATURE = 0.5;

/**
 * The demo's support agent. Each answer is a `support.answer` server span in which the version's bundle (its
 * system prompt and model parameters) is read with the session as `targetingKey` (`getPrompt`: the provider's
 * `FlagSpanHook` stamps the span with the pack's key and the version; a pack without content falls back to the
 * version string and the demo's own prompt), and a child
 * `chat <model>` client span for the LLM call with the `gen_ai.*` attributes and `app.tool_call.correct`.
 *
 * Time: the simulated LLM does not wait. Both spans start now and end at now + the simulated latency (explicit end
 * times), so their durations are the simulated latencies whatever the time scale; spans therefore arrive before
 * their end time, and the analysis counts them in the slice of that end time.
 *
 * @example
 * const agent = new SupportAgent({ client, tracer, scenario, flagKey: 'support-prompts', stableVersion: '2.3.1',
 *   timeScale: 60, startedAtMs: Date.now() });
 * await agent.answer(session);
 */
export class SupportAgent {
  readonly #options: SupportAgentOptions;
  readonly #now: () => number;

  constructor(options: SupportAgentOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Answers one question of `session`; never throws for a failed (simulated) LLM call. */
  async answer(session: SupportSession): Promise<AnswerOutcome> {
    const { client, tracer, scenario, flagKey, stableVersion } = this.#options;
    const startMs = this.#now();
    return tracer.startActiveSpan(
      'support.answer',
      { kind: SpanKind.SERVER, startTime: startMs, attributes: { 'session.id': session.id } },
      async (root) => {
        const context: EvaluationContext = { targetingKey: session.id, ...session.attributes };
        // The prompt and temperature come with the version (no deploy to change them); a pack without content
        // still serves its version string.
        const prompt = this.#options.readsContent ? await getPrompt(client, flagKey, context) : null;
        const details = prompt?.details ?? (await client.getStringDetails(flagKey, stableVersion, context));
        const bundle = prompt?.bundle ?? null;
        const version = bundle?.version ?? String(details.value);
        const systemPrompt = bundle?.prompts['system']?.text ?? DEFAULT_SYSTEM_PROMPT;
        const configured = bundle?.model?.parameters?.['temperature'];
        const temperature = typeof configured === 'number' ? configured : DEFAULT_TEMPERATURE;
        const role: AnswerOutcome['role'] = version === stableVersion ? 'stable' : 'canary';
        const elapsedMs = (startMs - this.#options.startedAtMs) * this.#options.timeScale;
        const profile = role === 'stable' ? scenario.stable : canaryProfileAt(scenario, elapsedMs);
        const answer = simulateAnswer(profile, session.random);
        this.#options.answers?.record(root.spanContext().traceId, {
          version,
          passRate: profile.evalPassRate ?? DEFAULT_EVAL_PASS_RATE,
        });

        // A few ms of the app's own work around the LLM call.
        const llmStart = startMs + 3;
        const llmEnd = llmStart + answer.latencyMs;
        const llm = tracer.startSpan(`chat ${answer.model}`, {
          kind: SpanKind.CLIENT,
          startTime: llmStart,
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.request.model': answer.model,
            'gen_ai.request.temperature': temperature,
            'gen_ai.usage.input_tokens': answer.inputTokens,
            'gen_ai.usage.output_tokens': answer.outputTokens,
            'app.prompt.version': version,
          },
        });
        if (answer.toolCallCorrect !== undefined)
          llm.setAttribute('app.tool_call.correct', answer.toolCallCorrect);
        root.setAttribute('app.prompt.version', version);
        if (answer.error) {
          llm.setAttribute('error.type', 'llm_error');
          llm.setStatus({ code: SpanStatusCode.ERROR, message: 'the model returned an error' });
          root.setAttribute('error.type', 'llm_error');
          root.setStatus({ code: SpanStatusCode.ERROR, message: 'no answer' });
        }
        llm.end(llmEnd);
        root.end(llmEnd + 2);

        if (answer.feedback) {
          // The segment attributes go along: canaryd re-evaluates the flag with an event's attributes to tell a
          // segment assignment from a split one (the provider forwards the details, not the context).
          const tracked = { flagKey, ...session.attributes };
          client.track('feedback', context, { ...tracked, value: answer.feedback.rating });
          client.track(answer.feedback.thumbsUp ? 'thumbs_up' : 'thumbs_down', context, tracked);
        }
        return {
          version,
          systemPrompt,
          temperature,
          role,
          reason: details.reason,
          latencyMs: answer.latencyMs,
          error: answer.error,
        };
      },
    );
  }
}
