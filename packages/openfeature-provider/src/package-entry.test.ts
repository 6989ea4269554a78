import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));

/** Every module `entry` loads, by relative path from `dist/`, and every package it imports. */
function importGraph(entry: string): { modules: Set<string>; packages: Set<string> } {
  const modules = new Set<string>();
  const packages = new Set<string>();
  const visit = (path: string): void => {
    if (modules.has(path)) return;
    modules.add(path);
    const source = readFileSync(join(dist, path), 'utf8');
    // No `=` before the quote: `export const SUFFIX = '.content'` is a value, not a module.
    for (const [, specifier] of source.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"=]*?['"]([^'"]+)['"]/g)) {
      if (specifier === undefined) continue;
      if (specifier.startsWith('.')) visit(join(dirname(path), specifier));
      else packages.add(specifier);
    }
  };
  visit(entry);
  return { modules, packages };
}

describe('the published package', () => {
  it('loads neither vitest nor the testing helpers from its main entry or its config-file entry', () => {
    expect(existsSync(join(dist, 'index.js')), 'build the package first').toBe(true);
    for (const entry of ['index.js', 'config-file.js']) {
      const { modules, packages } = importGraph(entry);
      if (entry === 'index.js') expect(modules).toContain('prompt-canary-provider.js');
      expect([...packages].filter((name) => name.startsWith('vitest'))).toEqual([]);
      expect([...modules].filter((path) => path.startsWith('testing'))).toEqual([]);
    }
  });

  it('ships no test files', () => {
    const files = readdirSync(dist, { recursive: true, encoding: 'utf8' });
    const testFiles = files.filter((path) => /\.test\.(js|d\.ts)$/.test(path));
    expect(testFiles).toEqual([]);
  });
});
