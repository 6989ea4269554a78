// Reads a V8 .cpuprofile (node --cpu-prof) and reports self and inclusive time per function, per request.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Self and inclusive CPU time per function from a .cpuprofile, as shares of the busy (non-idle) time. */
export function profileTop(dir, requests, unit = 'req') {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) return 'no profile written';
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const labelOf = (node) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url
      .replace(/^.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '')
      .replace(/^.*\/work\/main\//, '')
      .replace(/^file:\/\//, '');
    return `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
  };
  const self = new Map();
  const inclusive = new Map();
  let busy = 0;
  for (let k = 0; k < profile.samples.length; k++) {
    const micros = profile.timeDeltas[k] ?? 0;
    let node = byId.get(profile.samples[k]);
    const leaf = labelOf(node);
    if (leaf.startsWith('(idle)')) continue;
    busy += micros;
    self.set(leaf, (self.get(leaf) ?? 0) + micros);
    const seen = new Set();
    while (node) {
      const label = labelOf(node);
      if (!seen.has(label)) {
        seen.add(label);
        inclusive.set(label, (inclusive.get(label) ?? 0) + micros);
      }
      node = byId.get(parent.get(node.id));
    }
  }
  const top = (map, count, filter = () => true) =>
    [...map]
      .filter(([label]) => filter(label))
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(
        ([label, micros]) =>
          `${((100 * micros) / busy).toFixed(1).padStart(5)}%  ${(micros / requests).toFixed(2).padStart(6)} µs/${unit}  ${label}`,
      )
      .join('\n');
  return `busy ${(busy / 1e6).toFixed(2)} s over ${requests} units (${unit}) (${(busy / requests).toFixed(1)} µs/${unit})

self time (top 25):
${top(self, 25)}

inclusive time, JavaScript frames (top 45):
${top(inclusive, 45, (label) => !label.startsWith('(') && !/ :0$/.test(label))}`;
}
