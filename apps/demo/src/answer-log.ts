/** What the demo remembers of one answer, for its judge: the version served and how good that version answers. */
export interface LoggedAnswer {
  readonly version: string;
  /** The share of that version's answers the judge passes at the time (the profile's `evalPassRate`). */
  readonly passRate: number;
}

/** Answers remembered by default: about 20 minutes of the demo's 80 requests/s. */
export const DEFAULT_ANSWER_LOG_SIZE = 100_000;

/**
 * The demo app's own log of answers by trace id, bounded (oldest out first): what its eval service reads, as a real
 * eval service reads its app's logs or trace store. It holds no prompt or answer text.
 *
 * @example
 * const log = new AnswerLog();
 * log.record(span.spanContext().traceId, { version: '2.4.0', passRate: 0.7 });
 * log.get(traceId); // { version: '2.4.0', passRate: 0.7 }
 */
export class AnswerLog {
  readonly #max: number;
  readonly #entries = new Map<string, LoggedAnswer>();

  constructor(maxAnswers = DEFAULT_ANSWER_LOG_SIZE) {
    this.#max = Math.max(1, maxAnswers);
  }

  /** Records one answer. */
  record(traceId: string, answer: LoggedAnswer): void {
    this.#entries.set(traceId, answer);
    if (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
  }

  /** The answer of a trace, if still remembered. */
  get(traceId: string): LoggedAnswer | undefined {
    return this.#entries.get(traceId);
  }

  /** Answers remembered. */
  get size(): number {
    return this.#entries.size;
  }
}
