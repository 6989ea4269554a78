import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/database.js';
import { appliedMigrations, applyMigrations } from '../db/migration.js';
import { sqliteMigrations } from './sqlite-migrations.js';
import { SqliteStore } from './sqlite-store.js';
import { storeContract } from './store-contract.js';

storeContract('SqliteStore', () => new SqliteStore(openDatabase(':memory:')));

describe('SQLite database and migrations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'canaryd-db-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the folder, runs in WAL mode with foreign keys, and keeps data across reopening', () => {
    const path = join(dir, 'nested', 'canary.db');
    const db = openDatabase(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    applyMigrations(db, sqliteMigrations());
    new SqliteStore(db).segments.put('s', { plan: 'x' }, '2025-01-01T00:00:00Z');
    db.close();
    const again = openDatabase(path);
    expect(applyMigrations(again, sqliteMigrations())).toEqual([]);
    expect(new SqliteStore(again).segments.get('s')?.match).toEqual({ plan: 'x' });
    expect(appliedMigrations(again).map((m) => m.version)).toContain(1);
    again.close();
  });

  it('applies each migration once, in order, and rolls a failing one back whole', () => {
    const db = openDatabase(':memory:');
    const migrations = [
      { version: 1, name: 'one', sql: 'CREATE TABLE a (x INTEGER);' },
      { version: 2, name: 'two', sql: 'CREATE TABLE b (x INTEGER); CREATE TABLE broken (;' },
    ];
    expect(() => applyMigrations(db, migrations)).toThrow();
    expect(appliedMigrations(db).map((m) => m.version)).toEqual([1]);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'b'").get()).toBeUndefined();
    expect(() => applyMigrations(db, [...migrations, { version: 1, name: 'dup', sql: '' }])).toThrow(
      'share version 1',
    );
  });
});
