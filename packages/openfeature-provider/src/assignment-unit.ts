import type { Flag, JsonValue } from '@prompt-canary/rules';

/**
 * The flag metadata key naming the context attribute a flag buckets by (its split's `bucketBy`, or the variable
 * of a flagd `fractional`). The provider sets it on every flag with a split; the span hook reads the assignment
 * unit from that attribute, and from `targetingKey` when the key is absent. An empty value means the flag has no
 * single bucketing attribute (a flagd `fractional` over several variables): no unit is stamped then.
 */
export const BUCKET_BY_METADATA_KEY = 'bucketBy';

const TARGETING_KEY = 'targetingKey';

/**
 * The context attribute `flag` assigns units by, or `undefined` when it has no split (nothing is bucketed; the
 * unit is then the `targetingKey`, as for any evaluation). With several splits, the first one without a segment
 * decides (the rollout's ramp, whose traffic the analysis counts), else the first split.
 */
export function bucketingAttribute(flag: Flag): string | undefined {
  if (flag.targeting !== undefined) return fractionalAttribute(flag.targeting);
  let segmented: string | undefined;
  for (const rule of flag.rules ?? []) {
    if (!('split' in rule.serve)) continue;
    const attribute = rule.serve.split.bucketBy ?? TARGETING_KEY;
    if (rule.segment === undefined) return attribute;
    segmented ??= attribute;
  }
  return segmented;
}

/**
 * The unit an evaluation was assigned by: the value of the bucketing attribute (from `flagMetadata.bucketBy`,
 * `targetingKey` without it) in `context`, as text. `undefined` when the context lacks it or holds an object there,
 * as `@prompt-canary/rules` then buckets nothing either. Dotted names (`user.id`) read nested attributes.
 */
export function assignmentUnit(
  context: Readonly<Record<string, unknown>>,
  flagMetadata: Readonly<Record<string, unknown>>,
): string | undefined {
  const named = flagMetadata[BUCKET_BY_METADATA_KEY];
  const attribute = typeof named === 'string' ? named : TARGETING_KEY;
  if (attribute === '') return undefined;
  const value = attribute.includes('.') ? readPath(context, attribute) : context[attribute];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function readPath(context: Readonly<Record<string, unknown>>, path: string): unknown {
  let current: unknown = context;
  for (const part of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/**
 * The variable a flagd `fractional` buckets by: `targetingKey` when it has no bucketing expression (flagd then
 * hashes `flagKey + targetingKey`), the one non-`$flagd` variable of the expression otherwise, `''` when there are
 * several or none (a constant), and `undefined` when the targeting has no `fractional` at all.
 */
function fractionalAttribute(logic: JsonValue): string | undefined {
  const args = findFractional(logic);
  if (args === undefined) return undefined;
  const first = args[0];
  if (Array.isArray(first) || first === undefined) return TARGETING_KEY;
  const names = new Set<string>();
  collectVariables(first, names);
  return names.size === 1 ? [...names][0] : '';
}

function findFractional(logic: JsonValue): JsonValue[] | undefined {
  if (Array.isArray(logic)) {
    for (const item of logic) {
      const found = findFractional(item);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (typeof logic !== 'object' || logic === null) return undefined;
  for (const [operator, operand] of Object.entries(logic)) {
    if (operator === 'fractional' && Array.isArray(operand)) return operand;
    const found = findFractional(operand);
    if (found !== undefined) return found;
  }
  return undefined;
}

function collectVariables(logic: JsonValue, names: Set<string>): void {
  if (Array.isArray(logic)) {
    for (const item of logic) collectVariables(item, names);
    return;
  }
  if (typeof logic !== 'object' || logic === null) return;
  for (const [operator, operand] of Object.entries(logic)) {
    if (operator === 'var') {
      const name = Array.isArray(operand) ? operand[0] : operand;
      if (typeof name === 'string' && !name.startsWith('$flagd.')) names.add(name);
    } else collectVariables(operand, names);
  }
}
