import { Counter, type Registry } from 'prom-client';

/** Which OTLP signal an item belongs to. */
export type OtlpSignal = 'spans' | 'points';

/**
 * What became of an item: `accepted` went to the sink, `ignored` carried no flag (or no recorded value),
 * `rejected` carried a flag but was unusable (reported back as partial success), `malformed` arrived in a
 * request that could not be decoded at all (counted per request, not per item).
 */
export type OtlpOutcome = 'accepted' | 'ignored' | 'rejected' | 'malformed';

/** Where the receiver counts what it did. */
export interface OtlpIngestCounters {
  add(signal: OtlpSignal, outcome: OtlpOutcome, n: number): void;
}

/** Counters kept in memory, for tests and for a daemon without a metrics registry. */
export class InMemoryOtlpIngestCounters implements OtlpIngestCounters {
  readonly #counts = new Map<string, number>();

  add(signal: OtlpSignal, outcome: OtlpOutcome, n: number): void {
    const key = `${signal}:${outcome}`;
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + n);
  }

  /** The running total of one signal and outcome. */
  get(signal: OtlpSignal, outcome: OtlpOutcome): number {
    return this.#counts.get(`${signal}:${outcome}`) ?? 0;
  }
}

const ITEMS_TOTAL = 'canaryd_otlp_items_total';

/**
 * Counters on a Prometheus registry: `canaryd_otlp_items_total{signal, outcome}`, shown by `GET /metrics`.
 */
export function prometheusOtlpIngestCounters(registry: Registry): OtlpIngestCounters {
  // A registry shared by two apps (tests) already holds the counter; registering it again would throw.
  const existing = registry.getSingleMetric(ITEMS_TOTAL);
  const items =
    existing instanceof Counter
      ? (existing as Counter<'signal' | 'outcome'>)
      : new Counter({
          name: ITEMS_TOTAL,
          help: 'OTLP spans and metric points received, by outcome (accepted, ignored: no flag, rejected, malformed)',
          labelNames: ['signal', 'outcome'] as const,
          registers: [registry],
        });
  return {
    add(signal, outcome, n) {
      if (n > 0) items.inc({ signal, outcome }, n);
    },
  };
}
