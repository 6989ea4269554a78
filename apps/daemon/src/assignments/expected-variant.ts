import {
  armUpperBounds,
  type CompiledTimeWindow,
  compileTimeWindow,
  type Flag,
  type Rule,
} from '@prompt-canary/rules';

const windows = new WeakMap<Rule, CompiledTimeWindow>();

function windowOf(rule: Rule): CompiledTimeWindow | undefined {
  if (rule.window === undefined) return undefined;
  let compiled = windows.get(rule);
  if (compiled === undefined) {
    compiled = compileTimeWindow(rule.window);
    windows.set(rule, compiled);
  }
  return compiled;
}

/**
 * The variant a split-assigned request should have been served: the first rule without a segment whose time window
 * holds at `atMs` (a request with reason `SPLIT` matched no segment rule before it), and, when that rule splits, the
 * arm whose bucket range holds `bucket`. `undefined` when the flag cannot say (disabled, flagd targeting, no such
 * rule, a rule serving one variant).
 */
export function expectedVariant(flag: Flag, bucket: number, atMs: number): string | undefined {
  if (flag.state === 'DISABLED' || flag.targeting !== undefined) return undefined;
  for (const rule of flag.rules ?? []) {
    if (rule.segment !== undefined) continue;
    const window = windowOf(rule);
    if (window !== undefined && !window.matches(atMs)) continue;
    if (!('split' in rule.serve)) return undefined;
    const { arms } = rule.serve.split;
    const bounds = armUpperBounds(arms.map((arm) => arm.weight));
    for (let i = 0; i < arms.length; i++) {
      if (bucket < (bounds[i] as number)) return arms[i]?.variant;
    }
    return arms.at(-1)?.variant;
  }
  return undefined;
}
