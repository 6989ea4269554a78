import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * Why these exist: prom-client serialises and validates the label object on every `inc(labels)` and
 * `observe(labels, v)`, and its `labels(…)` children only bind the same call (~0.8 µs per request for the HTTP
 * counter and histogram together). Here each label set gets a cell, found by nested `Map`s of its label values
 * (no string is built), and the hot path adds to plain numbers. prom-client reads the cells when it is scraped:
 * counters through their `collect` hook (`inc(labels, delta)`, once per label set and scrape), the histogram by
 * exporting the cells' buckets itself. What `/metrics` shows is unchanged.
 */

/** One label set of a {@link CounterCells}: add to `pending`; it reaches the counter at the next scrape. */
export interface CounterCell {
  pending: number;
}

interface LabelledCell<L extends string> extends CounterCell {
  readonly labels: Readonly<Record<L, string>>;
}

/** Nested maps from label values to a cell, three labels deep. */
type Tree3<T> = Map<string, Map<string, Map<string, T>>>;

function branch<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let found = map.get(key);
  if (found === undefined) {
    found = make();
    map.set(key, found);
  }
  return found;
}

/** A prom-client {@link Counter} of three labels whose increments go through cached cells. */
export class CounterCells<A extends string, B extends string, C extends string> extends Counter<A | B | C> {
  readonly #names: readonly [A, B, C];
  readonly #tree: Tree3<LabelledCell<A | B | C>> = new Map();
  readonly #cells: LabelledCell<A | B | C>[];

  constructor(options: { name: string; help: string; labelNames: readonly [A, B, C]; registry: Registry }) {
    const cells: LabelledCell<A | B | C>[] = [];
    super({
      name: options.name,
      help: options.help,
      labelNames: options.labelNames,
      registers: [options.registry],
      collect() {
        for (const cell of cells) {
          if (cell.pending === 0) continue;
          this.inc(cell.labels, cell.pending);
          cell.pending = 0;
        }
      },
    });
    this.#cells = cells;
    this.#names = options.labelNames;
  }

  /** The cell of one label set (created on first use, then found without building any string). */
  cell(a: string, b: string, c: string): CounterCell {
    const leaf = branch(
      branch(this.#tree, a, () => new Map()),
      b,
      () => new Map(),
    );
    let cell = leaf.get(c);
    if (cell === undefined) {
      const [na, nb, nc] = this.#names;
      cell = { labels: { [na]: a, [nb]: b, [nc]: c } as Record<A | B | C, string>, pending: 0 };
      leaf.set(c, cell);
      this.#cells.push(cell);
      // Listed from first use, in first-use order, like prom-client's own label sets.
      this.inc(cell.labels, 0);
    }
    return cell;
  }

  override reset(): void {
    super.reset();
    // prom-client's constructor resets too, before this class's fields exist.
    if (!(#cells in this)) return;
    for (const cell of this.#cells) cell.pending = 0;
  }
}

/** One label set of a {@link HistogramCells}. */
export interface HistogramCell {
  /** Records one observation. */
  observe(value: number): void;
}

class BucketCell<L extends string> implements HistogramCell {
  readonly labels: Readonly<Record<L, string>>;
  readonly #bounds: readonly number[];
  /** Observations per bucket (not cumulative); the last slot is above every bound. */
  readonly counts: Float64Array;
  count = 0;
  sum = 0;

  constructor(labels: Readonly<Record<L, string>>, bounds: readonly number[]) {
    this.labels = labels;
    this.#bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.count++;
    this.sum += value;
  }
}

/** One exported sample, in the shape prom-client's registry formats. */
interface Sample {
  value: number;
  labels: Record<string, string | number>;
  metricName: string;
  sharedLabels: Record<string, string>;
  exemplar?: null;
}

/**
 * A prom-client {@link Histogram} of two labels whose observations go through cached cells: it is registered
 * and exported like any histogram (same name, buckets, `_bucket`/`_sum`/`_count` lines), but its values are the
 * cells'.
 */
export class HistogramCells<A extends string, B extends string> extends Histogram<A | B> {
  readonly #name: string;
  readonly #help: string;
  readonly #names: readonly [A, B];
  readonly #bounds: readonly number[];
  readonly #tree = new Map<string, Map<string, BucketCell<A | B>>>();
  readonly #cells: BucketCell<A | B>[] = [];

  constructor(options: {
    name: string;
    help: string;
    labelNames: readonly [A, B];
    buckets: readonly number[];
    registry: Registry;
  }) {
    super({
      name: options.name,
      help: options.help,
      labelNames: options.labelNames,
      buckets: [...options.buckets],
      registers: [options.registry],
    });
    this.#name = options.name;
    this.#help = options.help;
    this.#names = options.labelNames;
    this.#bounds = [...options.buckets].sort((x, y) => x - y);
  }

  /** The cell of one label set. */
  cell(a: string, b: string): HistogramCell {
    const leaf = branch(this.#tree, a, () => new Map());
    let cell = leaf.get(b);
    if (cell === undefined) {
      const [na, nb] = this.#names;
      cell = new BucketCell({ [na]: a, [nb]: b } as Record<A | B, string>, this.#bounds);
      leaf.set(b, cell);
      this.#cells.push(cell);
    }
    return cell;
  }

  override reset(): void {
    super.reset();
    // prom-client's constructor resets too, before this class's fields exist.
    if (!(#cells in this)) return;
    for (const cell of this.#cells) {
      cell.counts.fill(0);
      cell.count = 0;
      cell.sum = 0;
    }
  }

  /**
   * What the registry formats: prom-client calls this rather than `get()` for the text format, and its own
   * `get()` (JSON) builds on it.
   */
  async getForPromString(): Promise<{
    name: string;
    help: string;
    type: 'histogram';
    values: Sample[];
    aggregator: 'sum';
  }> {
    const name = this.#name;
    const values: Sample[] = [];
    for (const cell of this.#cells) {
      let acc = 0;
      for (const [i, bound] of this.#bounds.entries()) {
        acc += cell.counts[i] as number;
        values.push({
          value: acc,
          labels: { le: bound },
          metricName: `${name}_bucket`,
          sharedLabels: cell.labels,
          exemplar: null,
        });
      }
      values.push(
        {
          value: cell.count,
          labels: { le: '+Inf' },
          metricName: `${name}_bucket`,
          sharedLabels: cell.labels,
          exemplar: null,
        },
        { value: cell.sum, labels: {}, metricName: `${name}_sum`, sharedLabels: cell.labels },
        { value: cell.count, labels: {}, metricName: `${name}_count`, sharedLabels: cell.labels },
      );
    }
    return { name, help: this.#help, type: 'histogram', values, aggregator: 'sum' };
  }
}
