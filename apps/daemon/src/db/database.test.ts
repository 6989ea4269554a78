import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { openDatabase } from './database.js';

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

test('WAL with synchronous NORMAL by default, FULL when asked, and the busy timeout given', () => {
  dir = mkdtempSync(join(tmpdir(), 'canary-db-'));
  const normal = openDatabase(join(dir, 'a.db'));
  expect(normal.pragma('journal_mode', { simple: true })).toBe('wal');
  expect(normal.pragma('synchronous', { simple: true })).toBe(1);
  expect(normal.pragma('busy_timeout', { simple: true })).toBe(5000);
  normal.close();
  const full = openDatabase(join(dir, 'b.db'), { synchronous: 'full', busyTimeoutMs: 250 });
  expect(full.pragma('synchronous', { simple: true })).toBe(2);
  expect(full.pragma('busy_timeout', { simple: true })).toBe(250);
  full.close();
});
