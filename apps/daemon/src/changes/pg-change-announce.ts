import { CHANGE_CHANNEL } from './pg-change-wire.js';

/** The advisory lock key that orders audit appends (any constant; `0x63616e61` is "cana"). */
export const AUDIT_ORDER_LOCK = 0x63616e61;

/**
 * The PostgreSQL migration that makes the audit log the change feed of every replica, for the PostgreSQL store's
 * migration registry (`table` is the audit table, `id` its serial key):
 *
 * - **Order.** Before an entry is inserted, its transaction takes a transaction-level advisory lock, held until
 *   commit, and only then draws the entry's id. Ids are therefore committed in id order, so a replica reading
 *   "every entry after the last one I delivered" never skips one that a slower transaction commits later. Only
 *   the audit append of a change waits on it (after the change's own writes), so no two transactions wait on each
 *   other in opposite orders.
 * - **Announce.** After the insert, `pg_notify` on {@link CHANGE_CHANNEL}: PostgreSQL delivers it when the
 *   transaction commits and drops it when it rolls back, so a notification always means a committed change.
 */
export function pgChangeAnnounceSql(table = 'audit'): string {
  return `
CREATE OR REPLACE FUNCTION canaryd_audit_order() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_advisory_xact_lock(${AUDIT_ORDER_LOCK});
  NEW.id := nextval(pg_get_serial_sequence(quote_ident(TG_TABLE_SCHEMA) || '.' || quote_ident(TG_TABLE_NAME), 'id'));
  RETURN NEW;
END
$fn$;
CREATE OR REPLACE FUNCTION canaryd_audit_announce() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_notify('${CHANGE_CHANNEL}', NEW.id::text);
  RETURN NULL;
END
$fn$;
DROP TRIGGER IF EXISTS ${table}_order ON ${table};
CREATE TRIGGER ${table}_order BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION canaryd_audit_order();
DROP TRIGGER IF EXISTS ${table}_announce ON ${table};
CREATE TRIGGER ${table}_announce AFTER INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION canaryd_audit_announce();
`;
}
