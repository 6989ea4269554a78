import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { type Leadership, LeadershipLostError } from './leadership.js';
import type { LeaseFence } from './lease-fence.js';
import { CONTROLLER_LEASE, PG_LEASE_ACQUIRE_SQL, PG_LEASE_RELEASE_SQL } from './pg-lease-sql.js';

/** What {@link PgLeaseLeadership} is built from. */
export interface PgLeaseLeadershipOptions {
  /** `postgres://…` of the shared database; the lease is renewed on a connection of its own. */
  readonly connectionString: string;
  /** The schema of the store's tables, when not the connection's `search_path` (as `PgConnectionOptions.schema`). */
  readonly schema?: string;
  /** The store's side of the lease, checked inside each controller commit. */
  readonly fence: LeaseFence;
  /** How long a lease lasts without renewal (ms, default 15000): a dead leader is replaced within about this. */
  readonly ttlMs?: number;
  /** Who this replica is in the lease row (default host, pid and a random suffix). */
  readonly holder?: string;
  readonly name?: string;
  /** A failed renewal or attempt (a counter and a log line at the caller). */
  readonly onError?: (error: unknown) => void;
  /** Leadership gained or lost (a log line at the caller). */
  readonly onTransition?: (leader: boolean, epoch: number | null) => void;
}

/**
 * {@link Leadership} by a lease row with an epoch in PostgreSQL (see ADR 0010). Every replica tries to take or renew
 * the lease every third of its time to live, on a connection of its own; the one holding it runs the controller
 * until its lease would expire by its own monotonic clock, a margin before the database would hand it on. Every
 * controller commit checks, in its own transaction, that the lease is still this replica's at the same epoch
 * ({@link Leadership.fence}), so a replica that paused past its lease cannot commit after another took over.
 */
export class PgLeaseLeadership implements Leadership {
  readonly #options: PgLeaseLeadershipOptions;
  readonly #ttlMs: number;
  readonly #holder: string;
  readonly #name: string;
  readonly #listeners = new Set<(leader: boolean) => void>();
  #client: pg.Client | null = null;
  #epoch: number | null = null;
  /** Monotonic ms until which this replica may act as leader. */
  #validUntil = 0;
  #timer: NodeJS.Timeout | null = null;
  #running = false;
  #leader = false;

  constructor(options: PgLeaseLeadershipOptions) {
    this.#options = options;
    this.#ttlMs = options.ttlMs ?? 15_000;
    this.#holder = options.holder ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.#name = options.name ?? CONTROLLER_LEASE;
  }

  /** This replica's name in the lease row. */
  get holder(): string {
    return this.#holder;
  }

  /** The epoch held, or `null` when not leading. */
  epoch(): number | null {
    return this.isLeader() ? this.#epoch : null;
  }

  /** Starts competing for the lease; resolves after the first attempt. */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    await this.#round();
  }

  /** Stops competing and gives the lease up, so another replica takes over at once. */
  async close(): Promise<void> {
    this.#running = false;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const wasLeader = this.#epoch !== null;
    this.#set(null, 0);
    const client = this.#client;
    this.#client = null;
    if (client === null) return;
    if (wasLeader)
      await client.query(PG_LEASE_RELEASE_SQL, [this.#name, this.#holder]).catch(() => undefined);
    await client.end().catch(() => undefined);
  }

  isLeader(): boolean {
    const leader = this.#epoch !== null && performance.now() < this.#validUntil;
    // Checked on every use, so a renewal that hangs cannot keep a replica leading past its lease.
    if (!leader && this.#leader) this.#set(null, 0);
    return leader;
  }

  fence(): void {
    const epoch = this.#epoch;
    if (epoch === null || !this.isLeader()) throw new LeadershipLostError('this replica is not the leader');
    if (!this.#options.fence.holds(this.#name, this.#holder, epoch)) {
      this.#set(null, 0);
      throw new LeadershipLostError(`the ${this.#name} lease at epoch ${epoch} is no longer this replica's`);
    }
  }

  subscribe(listener: (leader: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  async #round(): Promise<void> {
    if (!this.#running) return;
    // A lease is good for its time to live from the moment the attempt started, never from when it was answered.
    const startedAt = performance.now();
    try {
      const client = await this.#connection();
      const { rows } = await client.query<{ epoch: string }>(PG_LEASE_ACQUIRE_SQL, [
        this.#name,
        this.#holder,
        this.#ttlMs,
      ]);
      const row = rows[0];
      // A margin of a tenth of the lease: this replica stops before the database would let another start.
      if (row === undefined) this.#set(null, 0);
      else this.#set(Number(row.epoch), startedAt + this.#ttlMs * 0.9);
    } catch (error) {
      this.#options.onError?.(error);
      const client = this.#client;
      this.#client = null;
      await client?.end().catch(() => undefined);
    }
    if (!this.#running) return;
    this.#timer = setTimeout(() => void this.#round(), this.#ttlMs / 3);
    this.#timer.unref();
  }

  async #connection(): Promise<pg.Client> {
    if (this.#client !== null) return this.#client;
    const client = new pg.Client({
      connectionString: this.#options.connectionString,
      application_name: 'canaryd-lease',
      keepAlive: true,
      // A renewal that cannot finish within the lease is worthless: give up and try again.
      query_timeout: this.#ttlMs / 3,
      connectionTimeoutMillis: this.#ttlMs / 3,
    });
    client.on('error', (error) => this.#options.onError?.(error));
    try {
      await client.connect();
      if (this.#options.schema !== undefined)
        await client.query(`SET search_path TO ${client.escapeIdentifier(this.#options.schema)}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.#client = client;
    return client;
  }

  #set(epoch: number | null, validUntil: number): void {
    this.#epoch = epoch;
    this.#validUntil = validUntil;
    const leader = epoch !== null;
    if (leader === this.#leader) return;
    this.#leader = leader;
    this.#options.onTransition?.(leader, epoch);
    for (const listener of [...this.#listeners]) listener(leader);
  }
}
