import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AnswerLog } from './answer-log.js';

/** The evaluator name the demo's judge posts its scores under (`eval_pass_rate:judge`). */
export const JUDGE_EVALUATOR = 'judge';

/** What the daemon POSTs to an evaluation hook (`evaluation.requested`). */
export interface EvaluationRequest {
  readonly event: string;
  readonly pack: string;
  readonly rolloutId: string;
  readonly batchId: string;
  readonly traces: ReadonlyArray<{ readonly traceId: string; readonly variant: string }>;
}

/**
 * The judge's verdict on one logged answer: 1 (pass) or 0. Deterministic: a trace passes when its id, hashed, falls
 * below the pass rate its version had when it answered, so the same traces always get the same scores.
 */
export function judgeScore(traceId: string, passRate: number): 0 | 1 {
  const position = createHash('sha256').update(traceId).digest().readUInt32BE(0) / 2 ** 32;
  return position < passRate ? 1 : 0;
}

/** Scores of a batch for the traces the log still holds (others are skipped, as a real judge would). */
export function scoreBatch(
  request: EvaluationRequest,
  log: AnswerLog,
): Array<{ traceId: string; name: string; value: number; batchId: string }> {
  return request.traces.flatMap(({ traceId }) => {
    const answer = log.get(traceId);
    if (answer === undefined) return [];
    return [
      {
        traceId,
        name: JUDGE_EVALUATOR,
        value: judgeScore(traceId, answer.passRate),
        batchId: request.batchId,
      },
    ];
  });
}

/** Whether `signature` is `sha256=<hex HMAC-SHA256 of body with secret>`, compared in constant time. */
export function signatureHolds(body: string, signature: string | undefined, secret: string): boolean {
  if (signature === undefined) return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`);
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** What {@link DemoJudge} is built from. */
export interface DemoJudgeOptions {
  readonly log: AnswerLog;
  /** The hook's secret (the pack's `analysis.evaluation.hook.secret`). */
  readonly secret: string;
  /** canaryd, where the scores go. */
  readonly url: string;
  /** A token with the `ingest` scope. */
  readonly token: string;
  /** Told what became of each batch (the demo prints it as an event line). */
  readonly onBatch?: (batch: { batchId: string; asked: number; scored: number; error?: string }) => void;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The demo's eval service: a deterministic stand-in for an LLM judge. It listens on loopback for the daemon's
 * signed `evaluation.requested` batches, looks each trace up in the demo app's {@link AnswerLog}, scores it with
 * {@link judgeScore}, and posts the scores back to `POST /api/v1/scores` with the batch id.
 *
 * @example
 * const judge = new DemoJudge({ log, secret, url: 'http://127.0.0.1:4000', token });
 * const hookUrl = await judge.listen(4100);
 */
export class DemoJudge {
  readonly #options: DemoJudgeOptions;
  readonly #server: Server;
  readonly #pending = new Set<Promise<void>>();

  constructor(options: DemoJudgeOptions) {
    this.#options = options;
    this.#server = createServer((req, res) => {
      void readBody(req).then((body) => {
        const signature = req.headers['x-canary-signature'];
        if (
          req.method !== 'POST' ||
          !signatureHolds(body, typeof signature === 'string' ? signature : undefined, options.secret)
        ) {
          res.writeHead(401).end();
          return;
        }
        let request: EvaluationRequest;
        try {
          request = JSON.parse(body) as EvaluationRequest;
        } catch {
          res.writeHead(400).end();
          return;
        }
        // Answer at once; scoring happens after, as a real judge's would.
        res.writeHead(202).end();
        const work = this.#score(request).finally(() => this.#pending.delete(work));
        this.#pending.add(work);
      });
    });
  }

  /** Listens on 127.0.0.1:`port` (0 picks one); returns the hook URL. */
  async listen(port: number): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => resolve());
    });
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/score`;
  }

  /** Stops listening and waits for the scores being posted. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await Promise.allSettled([...this.#pending]);
  }

  async #score(request: EvaluationRequest): Promise<void> {
    const { url, token, log, onBatch } = this.#options;
    const scores = scoreBatch(request, log);
    const report = { batchId: request.batchId, asked: request.traces.length, scored: scores.length };
    if (scores.length === 0) {
      onBatch?.(report);
      return;
    }
    try {
      const res = await fetch(`${url}/api/v1/scores`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ scores }),
        signal: AbortSignal.timeout(10_000),
      });
      await res.body?.cancel();
      onBatch?.(res.ok ? report : { ...report, error: `HTTP ${res.status}` });
    } catch (error) {
      onBatch?.({ ...report, error: error instanceof Error ? error.message : String(error) });
    }
  }
}
