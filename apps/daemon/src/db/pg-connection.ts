import { createSyncFn } from 'synckit';

/** Options of {@link PgConnection}. */
export interface PgConnectionOptions {
  /** The schema every statement works in (created when missing); default: the server's `search_path`. */
  schema?: string;
  /** Longest a statement may run before the server cancels it (ms); default 10,000. */
  statementTimeoutMs?: number;
  /** Longest a connection attempt may take (ms); default 5,000. */
  connectTimeoutMs?: number;
}

/** One statement with its parameters (`$1`, `$2`, …). */
export interface PgStatement {
  readonly sql: string;
  readonly params?: readonly unknown[];
}

/** What a statement returned: its rows (BIGINT read as numbers) and how many rows it touched. */
export interface PgResult<R> {
  readonly rows: R[];
  readonly rowCount: number;
}

/** The code of an error meaning the database could not be reached (mapped to `503 storage_unavailable`). */
export const STORAGE_UNAVAILABLE = 'CANARY_STORAGE_UNAVAILABLE';

/**
 * Longest the main thread waits for one answer of the worker. The worker's own bounds (connect timeout, statement
 * and query timeouts) answer well before; this is the guard against a worker that never answers at all.
 */
const BRIDGE_TIMEOUT_MS = 60_000;

type Request = { op: string; id: number } & Record<string, unknown>;
type Bridge = (request: Request) => unknown;

let bridge: Bridge | undefined;
let nextId = 1;

/** The one worker of the process (synckit keeps one per worker file); started on first use. */
function theBridge(): Bridge {
  bridge ??= createSyncFn(new URL('./pg-bridge-worker.js', import.meta.url).href, {
    timeout: BRIDGE_TIMEOUT_MS,
  }) as Bridge;
  return bridge;
}

function isThenable(value: unknown): boolean {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/**
 * One PostgreSQL connection used synchronously, like a better-sqlite3 database: node-postgres runs on a worker
 * thread and every call here blocks until the worker answers (synckit: a message and `Atomics.wait`). Every port
 * of the daemon stays synchronous, and a transaction is one connection's `BEGIN … COMMIT` that no other request
 * of this process can interleave with, since nothing else runs on the main thread meanwhile.
 *
 * Every call is bounded: the server cancels a statement after `statementTimeoutMs`, a connection attempt gives up
 * after `connectTimeoutMs`, and an unreachable server is an error with code {@link STORAGE_UNAVAILABLE}. A lost
 * connection is opened again on the next call outside a transaction.
 *
 * @example
 * const conn = PgConnection.open('postgres://canary@db/canary');
 * const rows = conn.query<{ n: number }>('SELECT count(*)::int AS n FROM flags').rows;
 */
export class PgConnection {
  readonly #id: number;
  #depth = 0;
  #locked = false;
  #closed = false;

  private constructor(id: number) {
    this.#id = id;
  }

  /** Connects (synchronously) to the database at `url`. Throws when it cannot. */
  static open(url: string, options: PgConnectionOptions = {}): PgConnection {
    const id = nextId++;
    const conn = new PgConnection(id);
    conn.#call({
      op: 'open',
      options: {
        url,
        schema: options.schema,
        statementTimeoutMs: options.statementTimeoutMs ?? 10_000,
        connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
      },
    });
    return conn;
  }

  /** Runs one statement and returns its rows. */
  query<R>(sql: string, params: readonly unknown[] = []): PgResult<R> {
    return this.#call({ op: 'query', sql, params: textSafe(params) }) as PgResult<R>;
  }

  /** Runs one statement and returns how many rows it touched. */
  run(sql: string, params: readonly unknown[] = []): number {
    return this.query(sql, params).rowCount;
  }

  /**
   * Runs several statements in order in one round trip to the worker (the hot paths: ingest's upserts, the trace
   * join's flush). Stops at the first failure, which it throws; wrap it in {@link PgConnection.transaction} when
   * the statements must commit together.
   */
  batch(statements: readonly PgStatement[]): PgResult<Record<string, unknown>>[] {
    if (statements.length === 0) return [];
    return this.#call({ op: 'batch', statements: statements.map(safeStatement) }) as PgResult<
      Record<string, unknown>
    >[];
  }

  /**
   * Runs several statements as one transaction in one round trip: alone, `BEGIN`, the statements and `COMMIT`
   * travel together; inside a transaction, they join it as a savepoint. Takes no change lock: it is for writes to
   * rows no other process writes (ingest's own slices, the trace join's appends).
   */
  atomically(statements: readonly PgStatement[]): PgResult<Record<string, unknown>>[] {
    if (statements.length === 0) return [];
    if (this.#depth > 0) return this.transaction(() => this.batch(statements), false);
    return this.#call({ op: 'atomic', statements: statements.map(safeStatement) }) as PgResult<
      Record<string, unknown>
    >[];
  }

  /** Runs a text of several statements without parameters (migrations). */
  exec(sql: string): void {
    this.#call({ op: 'exec', sql });
  }

  /**
   * Runs `fn` in a transaction: committed when it returns, rolled back when it throws. A call inside another
   * joins it as a savepoint (as better-sqlite3 does), so an inner failure that the caller catches undoes only the
   * inner writes. `exclusive` (the default) also takes this schema's change lock for the rest of the transaction,
   * so that changes from every process on the database commit one at a time, as SQLite's single writer does;
   * writes to rows that only this process writes (its own analysis slices) pass `false`.
   */
  transaction<T>(fn: () => T, exclusive = true): T {
    const outer = this.#depth === 0;
    if (outer) {
      this.#call({
        op: 'begin',
        sql: exclusive ? `BEGIN; SELECT pg_advisory_xact_lock(${CHANGE_LOCK})` : 'BEGIN',
      });
      this.#locked = exclusive;
    } else {
      this.exec(`SAVEPOINT canary_${this.#depth}`);
      if (exclusive && !this.#locked) {
        try {
          this.query(`SELECT pg_advisory_xact_lock(${CHANGE_LOCK})`);
        } catch (error) {
          this.exec(`ROLLBACK TO SAVEPOINT canary_${this.#depth}; RELEASE SAVEPOINT canary_${this.#depth}`);
          throw error;
        }
        this.#locked = true;
      }
    }
    this.#depth++;
    let result: T;
    try {
      result = fn();
      if (isThenable(result)) throw new Error('a transaction runs a synchronous function only');
    } catch (error) {
      this.#depth--;
      if (outer) {
        this.#locked = false;
        try {
          this.#call({ op: 'end', commit: false });
        } catch {
          // The first error is the one to report; a failed rollback leaves nothing committed either way.
        }
      } else {
        this.exec(`ROLLBACK TO SAVEPOINT canary_${this.#depth}; RELEASE SAVEPOINT canary_${this.#depth}`);
      }
      throw error;
    }
    this.#depth--;
    if (outer) {
      this.#locked = false;
      this.#call({ op: 'end', commit: true });
    } else {
      this.exec(`RELEASE SAVEPOINT canary_${this.#depth}`);
    }
    return result;
  }

  /** Whether a transaction is open on this connection. */
  get inTransaction(): boolean {
    return this.#depth > 0;
  }

  /** Closes the connection; later calls fail. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#call({ op: 'close' });
  }

  #call(request: Record<string, unknown> & { op: string }): unknown {
    if (this.#closed && request.op !== 'close') throw new Error('the PostgreSQL connection is closed');
    try {
      return theBridge()({ ...request, id: this.#id });
    } catch (error) {
      if (error instanceof Error && /Atomics\.wait\(\) failed/.test(error.message)) {
        throw Object.assign(new Error(`PostgreSQL did not answer within ${BRIDGE_TIMEOUT_MS} ms`), {
          code: STORAGE_UNAVAILABLE,
        });
      }
      throw error;
    }
  }
}

/**
 * Parameters PostgreSQL's text can hold: it refuses the NUL character, which SQLite stores, so a NUL in a string
 * (a looked-up name from a URL, free text) becomes U+FFFD. A lookup then finds nothing, as on SQLite where no
 * validated name holds a NUL, instead of failing the request; JSON documents are unaffected (`JSON.stringify`
 * escapes NUL).
 */
function textSafe(params: readonly unknown[]): readonly unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < params.length; i++) {
    const value = params[i];
    const safe =
      typeof value === 'string'
        ? withoutNul(value)
        : Array.isArray(value) && value.some((v) => typeof v === 'string' && v.includes('\u0000'))
          ? value.map((v) => (typeof v === 'string' ? withoutNul(v) : v))
          : value;
    if (safe !== value) {
      out ??= [...params];
      out[i] = safe;
    }
  }
  return out ?? params;
}

function withoutNul(value: string): string {
  return value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value;
}

function safeStatement(statement: PgStatement): PgStatement {
  return statement.params === undefined
    ? statement
    : { sql: statement.sql, params: textSafe(statement.params) };
}

/**
 * The key of the change lock: an advisory lock per schema, so that daemons sharing a database in different
 * schemas (tests, several environments) do not wait on each other.
 */
const CHANGE_LOCK = `hashtext(current_schema() || ':canaryd-change')`;
