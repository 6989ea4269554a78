import type { PgMigration } from '../db/pg-migration.js';
import { CHANGE_CHANNEL } from './pg-change-wire.js';

/**
 * The PostgreSQL migration that makes the audit log every replica's change feed: after each audit insert,
 * `pg_notify` on {@link CHANGE_CHANNEL}. PostgreSQL delivers the notification when the inserting transaction
 * commits and drops it when it rolls back, so a notification always means a committed change, and it reaches
 * every listening replica once the change is readable. (Changes commit one at a time under the store's change
 * lock, so audit ids become visible in id order and a replica's "every entry after the last one delivered" never
 * skips one.)
 */
export function pgChangeAnnounceSql(table = 'audit'): string {
  return `
CREATE OR REPLACE FUNCTION canaryd_audit_announce() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_notify('${CHANGE_CHANNEL}', NEW.id::text);
  RETURN NULL;
END
$fn$;
DROP TRIGGER IF EXISTS ${table}_announce ON ${table};
CREATE TRIGGER ${table}_announce AFTER INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION canaryd_audit_announce();
`;
}

/** PostgreSQL version 5: every audit insert notifies the replicas at commit ({@link pgChangeAnnounceSql}). */
export const postgresChangeAnnounceMigration: PgMigration = {
  version: 5,
  name: 'audit-announce',
  sql: pgChangeAnnounceSql('audit'),
};
