import { CST, Lexer } from 'yaml';

/**
 * Most levels of nesting a JSON or YAML request body may have. Real documents (packs, flagd targeting) stay in the
 * tens; recursive code downstream (the YAML composer, schema validation, targeting compilation) fails or, for
 * YAML, exhausts the heap on documents tens of thousands of levels deep that fit in a few kilobytes.
 */
export const MAX_BODY_DEPTH = 128;

/**
 * Whether a parsed JSON value nests deeper than `max` levels (an object or array is one level). Iterative, so any
 * depth `JSON.parse` produced can be measured.
 */
export function jsonDepthExceeds(value: unknown, max: number = MAX_BODY_DEPTH): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [node, depth] = item;
    if (node === null || typeof node !== 'object') continue;
    if (depth + 1 > max) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

/**
 * Whether a YAML text may nest deeper than `max` levels, judged from its tokens before anything is composed: open
 * flow collections (`[`, `{`) plus, on each line, its indentation and its `-`, `?` and `:` indicators (a block
 * level needs at least one of them). It over-estimates (indentation is not always a level), never under-estimates,
 * and is linear in the text.
 */
export function yamlDepthExceeds(text: string, max: number = MAX_BODY_DEPTH): boolean {
  let flow = 0;
  let indent = 0;
  let indicators = 0;
  let lineStart = true;
  for (const token of new Lexer().lex(text)) {
    const type = CST.tokenType(token);
    if (type === 'newline') {
      indent = 0;
      indicators = 0;
      lineStart = true;
      continue;
    }
    if (type === 'space' && lineStart) indent = token.length;
    else if (type === 'flow-seq-start' || type === 'flow-map-start') flow += 1;
    else if (type === 'flow-seq-end' || type === 'flow-map-end') flow = Math.max(0, flow - 1);
    else if (type === 'seq-item-ind' || type === 'explicit-key-ind' || type === 'map-value-ind')
      indicators += 1;
    if (type !== 'space') lineStart = false;
    if (flow + indent + indicators > max) return true;
  }
  return false;
}
