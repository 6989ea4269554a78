import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cyclesOf, type FolderGraph, readFolderGraph } from './testing/folder-graph.js';

const SRC = dirname(fileURLToPath(import.meta.url));
const graph = readFolderGraph(SRC);

function importsOf(folder: string): string[] {
  return [...(graph.get(folder)?.keys() ?? [])].sort();
}

function describeEdges(g: FolderGraph, folders: string[]): string[] {
  return folders.flatMap((from) =>
    [...(g.get(from) ?? new Map()).entries()]
      .filter(([to]) => folders.includes(to))
      .map(([to, example]) => `${from} -> ${to} (${example})`),
  );
}

describe("the daemon's rooms (docs/architecture.md)", () => {
  it('import each other in one direction: the folder graph has no cycle', () => {
    const cycles = cyclesOf(graph);
    expect(cycles.map((cycle) => describeEdges(graph, cycle))).toEqual([]);
  });

  it('keep the HTTP kit, the clock, the settings and the database free of features', () => {
    expect(importsOf('http')).toEqual(['clock']);
    expect(importsOf('clock')).toEqual([]);
    expect(importsOf('settings')).toEqual([]);
    expect(importsOf('db')).toEqual([]);
  });

  it('let only the composition root see the whole store', () => {
    const importers = [...graph.entries()].filter(([, edges]) => edges.has('store')).map(([from]) => from);
    expect(importers).toEqual([]);
  });

  it('run the rollout domain one way: packs <- rollouts <- ingest <- controller <- analysis', () => {
    const order = ['packs', 'rollouts', 'ingest', 'controller', 'analysis'];
    for (const [i, folder] of order.entries()) {
      const later = order.slice(i + 1);
      expect(importsOf(folder).filter((to) => later.includes(to))).toEqual([]);
    }
  });

  it('keep evaluation sampling above ingest: ingest offers traces through its own port, never importing it', () => {
    // The store composes its port and adapter, as for every feature; no other room sees it.
    const importers = [...graph.entries()]
      .filter(([, edges]) => edges.has('evaluations'))
      .map(([from]) => from);
    expect(importers).toEqual(['store']);
    expect(
      importsOf('evaluations').filter((to) => ['controller', 'analysis', 'releases'].includes(to)),
    ).toEqual([]);
  });
});

describe('the folder graph reader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'folder-graph-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds a cycle through a type import, and ignores tests and testing/ folders', () => {
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    };
    write('a/one.ts', "import { two } from '../b/two.js';\nexport const one = two;\n");
    write('b/two.ts', "import type { Three } from '../c/three.js';\nexport const two = 2 as Three;\n");
    write('c/three.ts', "export type Three = number;\nimport type { One } from '../a/types.js';\n");
    write('a/types.ts', 'export type One = 1;\n');
    write('c/three.test.ts', "import { one } from '../d/four.js';\n");
    write('c/testing/helper.ts', "import { one } from '../../d/four.js';\n");
    write('app.ts', "import { one } from './a/one.js';\n");
    const found = readFolderGraph(dir);
    expect(cyclesOf(found)).toEqual([['a', 'b', 'c']]);
    expect(found.has('d')).toBe(false);
    expect([...(found.get('c')?.keys() ?? [])]).toEqual(['a']);
  });
});
