import type { SqliteDatabase } from '../db/database.js';
import type { Migration } from '../db/migration.js';
import { upgradeRolloutSpec } from './pack-upgrade.js';

/**
 * Version 2: packs, their revision history, rollouts and rollout timelines. A pack's compiled flag lives in the
 * core `flags` table with `owner_pack` set; rollouts keep their whole record (spec and plan included) as JSON so
 * a restart resumes exactly where it was.
 */
export const packsMigration: Migration = {
  version: 2,
  name: 'packs-and-rollouts',
  sql: `
CREATE TABLE packs (
  name TEXT PRIMARY KEY,
  stable_version TEXT NOT NULL,
  revision INTEGER NOT NULL,
  document TEXT NOT NULL,
  etag TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE pack_revisions (
  pack TEXT NOT NULL REFERENCES packs (name) ON DELETE CASCADE,
  revision INTEGER NOT NULL,
  version TEXT NOT NULL,
  document TEXT NOT NULL,
  outcome TEXT NOT NULL,
  rollout_id TEXT,
  actor TEXT NOT NULL,
  applied_at TEXT NOT NULL,
  PRIMARY KEY (pack, revision)
);

CREATE TABLE rollouts (
  id TEXT PRIMARY KEY,
  pack TEXT NOT NULL,
  phase TEXT NOT NULL,
  record TEXT NOT NULL,
  started_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX rollouts_pack_phase ON rollouts (pack, phase);

CREATE TABLE rollout_timeline (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  rollout_id TEXT NOT NULL REFERENCES rollouts (id) ON DELETE CASCADE,
  entry TEXT NOT NULL
);
CREATE INDEX rollout_timeline_rollout ON rollout_timeline (rollout_id, id);
`,
};

type Doc = { spec?: { rollout?: unknown } };

function upgradeDocument(text: string): { text: string; notes: string[] } {
  const doc = JSON.parse(text) as Doc;
  if (doc.spec === undefined) return { text, notes: [] };
  const { rollout, notes } = upgradeRolloutSpec(doc.spec.rollout);
  return { text: JSON.stringify({ ...doc, spec: { ...doc.spec, rollout } }), notes };
}

/**
 * Rewrites every stored pack document, pack revision and rollout record (whose spec the controller reads) with
 * directions and tolerance units written down ({@link upgradeRolloutSpec}); the current packs' notes wait in
 * `pack_upgrade_notes` for their next apply.
 */
function upgradeStoredPacks(db: SqliteDatabase): void {
  const packs = db.prepare<[], { name: string; document: string }>('SELECT name, document FROM packs').all();
  const note = db.prepare('INSERT INTO pack_upgrade_notes (pack, note) VALUES (?, ?)');
  const setPack = db.prepare('UPDATE packs SET document = ? WHERE name = ?');
  for (const row of packs) {
    const upgraded = upgradeDocument(row.document);
    setPack.run(upgraded.text, row.name);
    for (const text of upgraded.notes) note.run(row.name, text);
  }
  const revisions = db
    .prepare<[], { pack: string; revision: number; document: string }>(
      'SELECT pack, revision, document FROM pack_revisions',
    )
    .all();
  const setRevision = db.prepare('UPDATE pack_revisions SET document = ? WHERE pack = ? AND revision = ?');
  for (const row of revisions) setRevision.run(upgradeDocument(row.document).text, row.pack, row.revision);
  const rollouts = db.prepare<[], { id: string; record: string }>('SELECT id, record FROM rollouts').all();
  const setRollout = db.prepare('UPDATE rollouts SET record = ? WHERE id = ?');
  for (const row of rollouts) {
    const record = JSON.parse(row.record) as { spec?: unknown };
    const { rollout } = upgradeRolloutSpec(record.spec);
    setRollout.run(JSON.stringify({ ...record, spec: rollout }), row.id);
  }
}

/**
 * Version 141 (issue 14's number, clear of the features' small ones): metrics state their direction and
 * tolerances their unit. Stored packs keep their meaning (a custom metric's guessed direction, a rate's `%` as
 * points), written down; `pack_upgrade_notes` holds what the next apply of each pack reports as warnings.
 */
export const metricWordsMigration: Migration = {
  version: 141,
  name: 'pack-metric-directions-and-tolerance-units',
  sql: `
CREATE TABLE pack_upgrade_notes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  pack TEXT NOT NULL,
  note TEXT NOT NULL
);
CREATE INDEX pack_upgrade_notes_pack ON pack_upgrade_notes (pack, id);
`,
  run: upgradeStoredPacks,
};

/**
 * Version 150 (issue 15's range): every applied version of a pack with its content (the bundle served under
 * `<pack>.content`) and its content hash, fixed by the version's first apply. Versions applied before it have no
 * row: their next apply records them.
 */
export const packVersionsMigration: Migration = {
  version: 150,
  name: 'pack-versions-with-content',
  sql: `
CREATE TABLE pack_versions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  pack TEXT NOT NULL,
  version TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  bundle TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  revision INTEGER NOT NULL,
  actor TEXT NOT NULL,
  first_applied_at TEXT NOT NULL,
  UNIQUE (pack, version)
);
`,
};

/** The migrations of packs and rollouts, registered in `sqliteMigrations()`. */
export const packMigrations: readonly Migration[] = [
  packsMigration,
  metricWordsMigration,
  packVersionsMigration,
];
