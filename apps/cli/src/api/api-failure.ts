/**
 * A failed call to canaryd: the server's error `code` and `message` (API.md "Errors"), or `network` when no
 * answer came. The CLI prints it in one line and exits 1.
 */
export class ApiFailure extends Error {
  override readonly name = 'ApiFailure';

  /**
   * @param code The server's snake_case code, or `network` / `bad_response` for failures of the transport.
   * @param message What went wrong, one line.
   * @param status The HTTP status, when there was an answer.
   */
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }

  /** The one line the CLI prints: `error: rollout_in_progress: …`. */
  toLine(): string {
    return `error: ${this.code}: ${this.message.replace(/\s*\n\s*/g, ' ')}`;
  }
}
