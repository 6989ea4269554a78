import type { VersionProfile } from './scenario.js';
import type { SeededRandom } from './seeded-random.js';

/** What one simulated LLM answer did. */
export interface SimulatedAnswer {
  model: string;
  /** How long the answer took, in ms (the span's duration; nobody sleeps for it). */
  latencyMs: number;
  error: boolean;
  inputTokens: number;
  outputTokens: number;
  /** Whether the tool call was correct; `undefined` when the answer called no tool. */
  toolCallCorrect: boolean | undefined;
  /** The user's rating (1–5) and thumb, when they left feedback. */
  feedback: { rating: number; thumbsUp: boolean } | undefined;
}

/** Spread of a rating around the profile's mean satisfaction, in stars. */
const RATING_SD = 0.8;
/** Relative spread of token counts around their means. */
const TOKEN_CV = 0.2;

function tokens(mean: number, random: SeededRandom): number {
  return Math.max(1, Math.round(mean * (1 + TOKEN_CV * random.normal())));
}

/**
 * The simulated LLM: draws one answer from a version's profile with the caller's seeded generator, so a seed
 * replays the same answers. It returns at once; the latency is a number for the span, not a wait.
 *
 * @example
 * const answer = simulateAnswer(scenario.stable, new SeededRandom(7));
 * answer.latencyMs; // ~900 for a profile with a 900 ms median
 */
export function simulateAnswer(profile: VersionProfile, random: SeededRandom): SimulatedAnswer {
  const latencyMs = Math.round(random.logNormal(profile.latencyMs.median, profile.latencyMs.p99));
  const error = random.chance(profile.errorRate);
  const inputTokens = tokens(profile.inputTokens, random);
  // A failed call still consumed its prompt; it produced little output.
  const outputTokens = error
    ? tokens(profile.outputTokens * 0.05, random)
    : tokens(profile.outputTokens, random);
  const toolCallCorrect = random.chance(profile.toolCallRate)
    ? random.chance(profile.toolCallAccuracy)
    : undefined;
  let feedback: SimulatedAnswer['feedback'];
  if (!error && random.chance(profile.feedback.rate)) {
    const rating = Math.min(
      5,
      Math.max(1, Math.round(profile.feedback.satisfaction + RATING_SD * random.normal())),
    );
    feedback = { rating, thumbsUp: random.chance(profile.feedback.thumbsUpRate) };
  }
  return { model: profile.model, latencyMs, error, inputTokens, outputTokens, toolCallCorrect, feedback };
}
