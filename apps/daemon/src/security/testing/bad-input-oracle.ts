import { expect } from 'vitest';
import { apiErrorStatus } from '../../http/api-error.js';

/** Cases per property: `FUZZ_RUNS` (the soak run sets 10,000), else a CI-sized sample. */
export function fuzzRuns(ciDefault = 150): number {
  const runs = Number(process.env.FUZZ_RUNS);
  return Number.isSafeInteger(runs) && runs > 0 ? runs : ciDefault;
}

/** Most heap a fuzzed daemon may hold once a run is over (the soak's memory bound). */
export const MAX_HEAP_AFTER_FUZZ = 768 * 1024 * 1024;

function mib(bytes: number): number {
  return Math.round(bytes / 1024 / 1024);
}

/** A property's time limit: generous enough for `runs` cases of a few milliseconds each. */
export function fuzzTimeout(runs: number): number {
  return Math.max(30_000, runs * 30);
}

/** The protocol whose error shapes a response must keep. */
export type Surface = 'api' | 'ofrep' | 'otlp';

/** Statuses seen per surface, for the figures printed after a run. */
export class StatusTally {
  readonly #counts = new Map<string, Map<number, number>>();

  /** Records one answer of `surface`. */
  add(surface: string, status: number): void {
    const counts = this.#counts.get(surface) ?? new Map<number, number>();
    counts.set(status, (counts.get(status) ?? 0) + 1);
    this.#counts.set(surface, counts);
  }

  /** Answers of 500 or more, over every surface. */
  get serverErrors(): number {
    let n = 0;
    for (const counts of this.#counts.values()) for (const [s, c] of counts) if (s >= 500) n += c;
    return n;
  }

  /** One line per surface: `surface: n cases, {status: count}`, then the heap in use. */
  summary(): string {
    const lines = [...this.#counts].map(([surface, counts]) => {
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      const statuses = Object.fromEntries([...counts].sort(([a], [b]) => a - b));
      return `${surface}: ${total} cases ${JSON.stringify(statuses)}`;
    });
    const { heapUsed, rss } = process.memoryUsage();
    lines.push(`5xx: ${this.serverErrors}; heapUsed ${mib(heapUsed)} MiB, rss ${mib(rss)} MiB`);
    return lines.join('\n');
  }
}

const OFREP_CODES = [
  'PARSE_ERROR',
  'TARGETING_KEY_MISSING',
  'INVALID_CONTEXT',
  'GENERAL',
  'FLAG_NOT_FOUND',
  'TYPE_MISMATCH',
];

/**
 * Asserts the daemon handled a hostile request: never 5xx, and every 4xx in its surface's stable shape (the admin
 * API's `{code}` with the status its table gives, OFREP's `{errorCode}`, OTLP's `Status`). Consumes the body.
 */
export async function expectHandled(res: Response, surface: Surface, label = ''): Promise<void> {
  const text = await res.text();
  const context = `${label} → ${res.status} ${text.slice(0, 300)}`;
  expect(res.status, context).toBeLessThan(500);
  if (res.status < 400) return;
  if (surface === 'api') {
    const body = JSON.parse(text) as { code?: keyof typeof apiErrorStatus; message?: unknown };
    expect(body.code !== undefined && Object.hasOwn(apiErrorStatus, body.code), context).toBe(true);
    expect(apiErrorStatus[body.code as keyof typeof apiErrorStatus], context).toBe(res.status);
    expect(typeof body.message, context).toBe('string');
  } else if (surface === 'ofrep') {
    if (res.status === 400 || res.status === 404) {
      const body = JSON.parse(text) as { errorCode?: string };
      expect(OFREP_CODES, context).toContain(body.errorCode);
    } else expect([401, 403, 413, 429], context).toContain(res.status);
  } else {
    expect([400, 401, 403, 413, 415, 429], context).toContain(res.status);
    if (res.headers.get('content-type')?.includes('json')) {
      expect(typeof (JSON.parse(text) as { message?: unknown }).message, context).toBe('string');
    }
  }
}
