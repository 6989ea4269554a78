import type { Client, EvaluationContext, EvaluationDetails, JsonValue } from '@openfeature/server-sdk';

/** The suffix of a pack's companion flag key: `support-prompts` serves its content under `support-prompts.content`. */
export const CONTENT_KEY_SUFFIX = '.content';

/** One prompt of a version. */
export interface PromptEntry {
  readonly text: string;
  /** `system`, `user`, `assistant`, … when the pack gives one. */
  readonly role?: string;
}

/** The model a version calls and its parameters (`temperature`, `max_tokens`, …). */
export interface PromptModel {
  readonly name: string;
  readonly provider?: string;
  readonly parameters?: Readonly<Record<string, JsonValue>>;
}

/** The content of the version a unit is assigned: what `<pack>.content` serves. */
export interface PromptBundle {
  readonly version: string;
  readonly prompts: Readonly<Record<string, PromptEntry>>;
  readonly model: PromptModel | null;
  readonly attributes: Readonly<Record<string, JsonValue>>;
}

/** What {@link getPrompt} answers: the bundle (or the fallback) and the evaluation's details. */
export interface PromptResolution {
  /** The assigned version's bundle; `fallback` (or `null`) when the pack serves none (see `details.errorCode`). */
  readonly bundle: PromptBundle | null;
  /** The assigned version (`details.variant`), when known. */
  readonly version: string | undefined;
  readonly details: EvaluationDetails<JsonValue>;
}

function isBundle(value: JsonValue): value is JsonValue & PromptBundle {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, JsonValue>;
  return (
    typeof record['version'] === 'string' &&
    typeof record['prompts'] === 'object' &&
    record['prompts'] !== null &&
    typeof record['attributes'] === 'object'
  );
}

/**
 * Reads the content of a pack's version for a unit: evaluates the companion key `<pack>.content` through the
 * OpenFeature client (so hooks run, and the span is stamped with the pack's key and version, never the text). The
 * assignment is the pack flag's for the same context. With our provider it is answered from the pushed config, with
 * no network call.
 *
 * @param fallback what to answer when the pack has no content or cannot be evaluated (default `null`)
 * @example
 * const { bundle } = await getPrompt(client, 'support-prompts', { targetingKey: sessionId });
 * const system = bundle?.prompts.system?.text ?? DEFAULT_SYSTEM_PROMPT;
 */
export async function getPrompt(
  client: Pick<Client, 'getObjectDetails'>,
  pack: string,
  context?: EvaluationContext,
  fallback: PromptBundle | null = null,
): Promise<PromptResolution> {
  const defaultValue: JsonValue = fallback === null ? {} : (fallback as unknown as JsonValue);
  const details = await client.getObjectDetails(`${pack}${CONTENT_KEY_SUFFIX}`, defaultValue, context);
  const bundle = details.errorCode === undefined && isBundle(details.value) ? details.value : fallback;
  return { bundle, version: bundle === fallback ? fallback?.version : details.variant, details };
}
