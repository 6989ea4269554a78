// @ts-check
/**
 * The worker thread behind `PgConnection`: it owns the node-postgres clients and answers one request at a time
 * while the main thread waits on it (synckit). Plain JavaScript so that the same file runs from `src/` under the
 * test runner and from `dist/` in the built daemon, with no TypeScript loader in the worker.
 *
 * Requests: `open`, `query`, `batch`, `atomic` (a batch in its own transaction), `exec`, `begin`, `end` (commit or rollback), `close`. Every answer is plain
 * data; an error keeps its `code` (a PostgreSQL SQLSTATE, or `CANARY_STORAGE_UNAVAILABLE` when the server cannot
 * be reached), which the main thread classifies.
 */
import pg from 'pg';
import { runAsWorker } from 'synckit';

// BIGINT (ids, revisions, millisecond times) as numbers: every value we store fits in 2^53.
pg.types.setTypeParser(20, (value) => Number(value));

/** The code of an error meaning "the database cannot be reached": the main thread maps it to a 503. */
const UNAVAILABLE = 'CANARY_STORAGE_UNAVAILABLE';

/**
 * @typedef {object} OpenOptions
 * @property {string} url
 * @property {string | undefined} schema
 * @property {number} statementTimeoutMs
 * @property {number} connectTimeoutMs
 */

/**
 * @typedef {object} Connection
 * @property {OpenOptions} options
 * @property {pg.Client | undefined} client
 * @property {boolean} inTransaction
 * @property {boolean} lost the client died; inside a transaction every statement fails until it ends
 * @property {Promise<void> | undefined} [reconnecting] a new connection being opened in the background
 */

/** @type {Map<number, Connection>} */
const connections = new Map();
/** @type {Map<string, string>} statement text → prepared statement name, shared by every client */
const prepared = new Map();

/**
 * @param {string} message
 * @param {unknown} [cause]
 */
function unavailable(message, cause) {
  const error = new Error(message);
  Object.assign(error, { code: UNAVAILABLE });
  if (cause !== undefined)
    Object.assign(error, { detail: cause instanceof Error ? cause.message : String(cause) });
  return error;
}

/** Whether an error is about the connection, not the statement (so the client is gone). */
function isConnectionError(/** @type {unknown} */ error) {
  const code = /** @type {{ code?: unknown }} */ (error)?.code;
  if (
    typeof code === 'string' &&
    (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03')
  )
    return true;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return true; // ECONNREFUSED, ECONNRESET, ETIMEDOUT…
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|timeout expired|Client has encountered a connection error|not queryable/i.test(
    message,
  );
}

/** @param {Connection} conn */
async function connect(conn) {
  const { options } = conn;
  const client = new pg.Client({
    connectionString: options.url,
    connectionTimeoutMillis: options.connectTimeoutMs,
    statement_timeout: options.statementTimeoutMs,
    // A dead server or a cut network surfaces as an error after this, even where the statement timeout cannot act.
    query_timeout: options.statementTimeoutMs + 2_000,
    // A transaction left open by a crashed main thread does not hold locks for ever.
    idle_in_transaction_session_timeout: Math.max(options.statementTimeoutMs * 3, 30_000),
    application_name: 'canaryd',
    keepAlive: true,
  });
  client.on('error', () => {
    conn.lost = true;
  });
  try {
    await client.connect();
    if (options.schema !== undefined) {
      const schema = client.escapeIdentifier(options.schema);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema}`);
    }
  } catch (error) {
    await client.end().catch(() => {});
    throw isConnectionError(error)
      ? unavailable(`cannot connect to PostgreSQL: ${String(error)}`, error)
      : error;
  }
  conn.client = client;
  conn.lost = false;
}

/**
 * How long a call waits for a new connection before it is answered "unavailable" while the connection goes on
 * being opened in the background: the main thread waits on every call, so an unreachable server must not stall
 * it for a whole connect timeout on each request.
 */
const RECONNECT_WAIT_MS = 250;

/**
 * The connection's client, opening a new one when it was lost outside a transaction. A transaction whose
 * connection died cannot go on: its statements fail until the main thread ends it.
 * @param {number} id
 */
async function clientOf(id) {
  const conn = connections.get(id);
  if (conn === undefined) throw new Error(`no PostgreSQL connection ${id}`);
  if (conn.lost || conn.client === undefined) {
    if (conn.inTransaction) throw unavailable('the connection to PostgreSQL was lost inside a transaction');
    if (conn.reconnecting === undefined) {
      const old = conn.client;
      conn.client = undefined;
      old?.end().catch(() => {});
      const attempt = connect(conn).finally(() => {
        conn.reconnecting = undefined;
      });
      // A failure is told to the call that waits for it; one that finishes after the wait is only dropped here.
      attempt.catch(() => {});
      conn.reconnecting = attempt;
    }
    /** @type {unknown} */
    let timer;
    const outcome = await Promise.race([
      conn.reconnecting.then(
        () => /** @type {const} */ ('ok'),
        (error) => ({ error }),
      ),
      new Promise((resolve) => {
        timer = setTimeout(() => resolve('pending'), RECONNECT_WAIT_MS);
      }),
    ]);
    clearTimeout(/** @type {NodeJS.Timeout} */ (timer));
    if (outcome === 'pending') throw unavailable('reconnecting to PostgreSQL');
    if (outcome !== 'ok') throw /** @type {{ error: unknown }} */ (outcome).error;
    if (conn.client === undefined) throw unavailable('reconnecting to PostgreSQL');
  }
  return /** @type {{ conn: Connection, client: pg.Client }} */ ({ conn, client: conn.client });
}

/**
 * Runs one statement (prepared once per client, by its text).
 * @param {Connection} conn
 * @param {pg.Client} client
 * @param {string} text
 * @param {unknown[] | undefined} values
 */
async function statement(conn, client, text, values) {
  let name = prepared.get(text);
  if (name === undefined) {
    name = `c${prepared.size + 1}`;
    prepared.set(text, name);
  }
  try {
    const result = await client.query({ name, text, values: values ?? [] });
    return { rows: result.rows, rowCount: result.rowCount ?? 0 };
  } catch (error) {
    throw mark(conn, error);
  }
}

/**
 * Marks the connection lost when the error is about it, and says so in the error.
 * @param {Connection} conn
 * @param {unknown} error
 */
function mark(conn, error) {
  if (!isConnectionError(error)) return error;
  conn.lost = true;
  return unavailable(
    `PostgreSQL connection failed: ${error instanceof Error ? error.message : String(error)}`,
    error,
  );
}

/**
 * @param {{ op: string, id: number } & Record<string, any>} request
 */
async function handle(request) {
  switch (request.op) {
    case 'open': {
      /** @type {Connection} */
      const conn = { options: request.options, client: undefined, inTransaction: false, lost: false };
      await connect(conn);
      connections.set(request.id, conn);
      return null;
    }
    case 'query': {
      const { conn, client } = await clientOf(request.id);
      return statement(conn, client, request.sql, request.params);
    }
    case 'batch': {
      const { conn, client } = await clientOf(request.id);
      const results = [];
      for (const s of request.statements) results.push(await statement(conn, client, s.sql, s.params));
      return results;
    }
    case 'atomic': {
      // BEGIN, the statements, COMMIT: one round trip for a write that commits whole or not at all.
      const { conn, client } = await clientOf(request.id);
      const results = [];
      try {
        await client.query('BEGIN');
        conn.inTransaction = true;
        for (const s of request.statements) results.push(await statement(conn, client, s.sql, s.params));
        await client.query('COMMIT');
      } catch (error) {
        if (!conn.lost) await client.query('ROLLBACK').catch(() => {});
        throw mark(conn, error);
      } finally {
        conn.inTransaction = false;
      }
      return results;
    }
    case 'exec': {
      // Several statements in one text (migrations): the simple protocol, never prepared.
      const { conn, client } = await clientOf(request.id);
      try {
        await client.query(request.sql);
      } catch (error) {
        throw mark(conn, error);
      }
      return null;
    }
    case 'begin': {
      const { conn, client } = await clientOf(request.id);
      try {
        await client.query(request.sql);
      } catch (error) {
        // BEGIN went through but the lock did not (cancelled by the statement timeout): end what was begun.
        if (!conn.lost) await client.query('ROLLBACK').catch(() => {});
        throw mark(conn, error);
      }
      conn.inTransaction = true;
      return null;
    }
    case 'end': {
      const conn = connections.get(request.id);
      if (conn === undefined) throw new Error(`no PostgreSQL connection ${request.id}`);
      const commit = request.commit === true;
      if (conn.lost || conn.client === undefined) {
        conn.inTransaction = false;
        // A rollback of a transaction whose connection died is already done by the server.
        if (commit) throw unavailable('the connection to PostgreSQL was lost before the commit');
        return null;
      }
      try {
        const result = await conn.client.query(commit ? 'COMMIT' : 'ROLLBACK');
        // PostgreSQL answers COMMIT of a failed transaction with a silent ROLLBACK: that is not a commit.
        if (commit && result.command === 'ROLLBACK') {
          const error = new Error('the transaction had failed and was rolled back, not committed');
          throw Object.assign(error, { code: '25P02' });
        }
      } catch (error) {
        throw mark(conn, error);
      } finally {
        conn.inTransaction = false;
      }
      return null;
    }
    case 'close': {
      const conn = connections.get(request.id);
      connections.delete(request.id);
      if (conn?.client !== undefined) await conn.client.end().catch(() => {});
      return null;
    }
    default:
      throw new Error(`unknown request ${String(request.op)}`);
  }
}

runAsWorker(handle);
