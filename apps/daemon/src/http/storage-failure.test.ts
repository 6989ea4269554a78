import { expect, it } from 'vitest';
import { storageFailureOf } from './storage-failure.js';

it('classifies SQLite and PostgreSQL failures that are not bugs, and nothing else', () => {
  expect(storageFailureOf({ code: 'SQLITE_BUSY_SNAPSHOT' })).toBe('busy');
  expect(storageFailureOf({ code: 'SQLITE_FULL' })).toBe('full');
  expect(storageFailureOf({ code: 'SQLITE_CONSTRAINT' })).toBeUndefined();
  expect(storageFailureOf({ code: 'CANARY_STORAGE_UNAVAILABLE' })).toBe('unavailable');
  expect(storageFailureOf({ code: '08006' })).toBe('unavailable');
  expect(storageFailureOf({ code: '57P01' })).toBe('unavailable');
  expect(storageFailureOf({ code: '57014' })).toBe('busy');
  expect(storageFailureOf({ code: '40001' })).toBe('busy');
  expect(storageFailureOf({ code: '40P01' })).toBe('busy');
  expect(storageFailureOf({ code: '53100' })).toBe('full');
  expect(storageFailureOf({ code: '23505' })).toBeUndefined();
  expect(storageFailureOf({ code: 'ECONNREFUSED' })).toBeUndefined();
  expect(storageFailureOf(new Error('x'))).toBeUndefined();
  expect(storageFailureOf(null)).toBeUndefined();
});
