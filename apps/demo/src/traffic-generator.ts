import { setTimeout as sleep } from 'node:timers/promises';
import type { Scenario } from './scenario.js';
import type { SeededRandom } from './seeded-random.js';
import type { AnswerOutcome, SupportSession } from './support-agent.js';

/** Running totals of the traffic sent so far. */
export interface TrafficStats {
  requests: number;
  failed: number;
  byRole: Record<'stable' | 'canary', { requests: number; errors: number; latencyMsSum: number }>;
  sessions: number;
}

/** What {@link TrafficGenerator} is built from. */
export interface TrafficGeneratorOptions {
  /** Session shape: requests per session and the share of internal and beta sessions. */
  traffic: Scenario['traffic'];
  /** Overrides `traffic.requestsPerSecond`. */
  requestsPerSecond?: number;
  /** Stop after this many requests. */
  maxRequests: number;
  /** Stop after this many real ms. */
  durationMs: number;
  /** Sessions talking at the same time; each request goes to one of them. Default 40. */
  concurrentSessions?: number;
  random: SeededRandom;
  /** Prefix of session ids (the seed by default), so two runs with different seeds use different sessions. */
  sessionPrefix?: string;
  /** Handles one request: the demo app's `SupportAgent.answer`. */
  answer(session: SupportSession): Promise<AnswerOutcome>;
}

const TICK_MS = 100;

interface LiveSession {
  session: SupportSession;
  remaining: number;
}

/**
 * Sends requests from sticky sessions at a steady rate, in process, until `maxRequests` or `durationMs` or
 * {@link TrafficGenerator.stop}. Session ids, segment attributes and session lengths come from the seeded
 * generator, so a seed replays the same traffic.
 *
 * @example
 * const generator = new TrafficGenerator({ traffic: scenario.traffic, maxRequests: 1000, durationMs: 60_000,
 *   random: new SeededRandom(scenario.seed), answer: (s) => agent.answer(s) });
 * const stats = await generator.run();
 */
export class TrafficGenerator {
  readonly #options: TrafficGeneratorOptions;
  readonly #live: LiveSession[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  #stopped = false;
  #sessionCount = 0;
  readonly stats: TrafficStats = {
    requests: 0,
    failed: 0,
    byRole: {
      stable: { requests: 0, errors: 0, latencyMsSum: 0 },
      canary: { requests: 0, errors: 0, latencyMsSum: 0 },
    },
    sessions: 0,
  };

  constructor(options: TrafficGeneratorOptions) {
    this.#options = options;
  }

  /** Sends traffic until a bound is reached or {@link stop} is called; resolves when the last request is done. */
  async run(): Promise<TrafficStats> {
    const { maxRequests, durationMs } = this.#options;
    const rate = this.#options.requestsPerSecond ?? this.#options.traffic.requestsPerSecond;
    const started = Date.now();
    let due = 0;
    while (!this.#stopped && this.stats.requests < maxRequests && Date.now() - started < durationMs) {
      const tickStart = Date.now();
      due += (rate * TICK_MS) / 1000;
      while (due >= 1 && this.stats.requests < maxRequests) {
        due -= 1;
        this.#send(this.#nextSession());
      }
      await sleep(Math.max(0, TICK_MS - (Date.now() - tickStart)));
    }
    await Promise.all(this.#inFlight);
    return this.stats;
  }

  /** Ends the run after the requests in flight. */
  stop(): void {
    this.#stopped = true;
  }

  #send(session: SupportSession): void {
    this.stats.requests += 1;
    const request = this.#options
      .answer(session)
      .then((outcome) => {
        const role = this.stats.byRole[outcome.role];
        role.requests += 1;
        role.latencyMsSum += outcome.latencyMs;
        if (outcome.error) role.errors += 1;
      })
      .catch(() => {
        this.stats.failed += 1;
      })
      .finally(() => this.#inFlight.delete(request));
    this.#inFlight.add(request);
  }

  #nextSession(): SupportSession {
    const { random } = this.#options;
    const concurrent = this.#options.concurrentSessions ?? 40;
    while (this.#live.length < concurrent) this.#live.push(this.#newSession());
    const index = random.int(0, this.#live.length - 1);
    const live = this.#live[index] as LiveSession;
    live.remaining -= 1;
    if (live.remaining <= 0) this.#live.splice(index, 1);
    return live.session;
  }

  #newSession(): LiveSession {
    const { random, traffic } = this.#options;
    this.#sessionCount += 1;
    this.stats.sessions = this.#sessionCount;
    const prefix = this.#options.sessionPrefix ?? 'session';
    const draw = random.next();
    const attributes: SupportSession['attributes'] =
      draw < traffic.internalShare
        ? { plan: 'internal' }
        : draw < traffic.internalShare + traffic.betaShare
          ? { plan: 'pro', beta: true }
          : { plan: random.chance(0.3) ? 'pro' : 'free' };
    return {
      session: { id: `${prefix}-${this.#sessionCount}`, attributes, random: random.fork() },
      remaining: random.int(traffic.requestsPerSession.min, traffic.requestsPerSession.max),
    };
  }
}
