/**
 * Export of our flags as one flagd flag-definition document, so that flagd and its providers in any language can
 * serve them.
 */
import { rulesToTargeting } from './flagd-rule-logic.js';
import type { Flag, FlagMetadata, FlagSet, FlagState, FlagValue, JsonValue } from './model.js';

/** The JSON schema flagd publishes for flag-definition documents. */
export const FLAGD_SCHEMA_URL = 'https://flagd.dev/schema/v0/flags.json';

/** One flag of a flagd flag-definition document. */
export interface FlagdFlagDefinition {
  state: FlagState;
  variants: Record<string, FlagValue>;
  defaultVariant?: string | null;
  targeting?: JsonValue;
  metadata?: FlagMetadata;
}

/** A flagd flag-definition document, as flagd reads it from a file or a sync source. */
export interface FlagdDocument {
  $schema: typeof FLAGD_SCHEMA_URL;
  flags: Record<string, FlagdFlagDefinition>;
}

function toDefinition(flag: Flag): FlagdFlagDefinition {
  const definition: FlagdFlagDefinition = { state: flag.state, variants: { ...flag.variants } };
  if (flag.defaultVariant !== undefined) definition.defaultVariant = flag.defaultVariant;
  const targeting = flag.targeting !== undefined ? flag.targeting : rulesToTargeting(flag.rules ?? []);
  if (targeting !== undefined) definition.targeting = targeting;
  if (flag.metadata !== undefined) definition.metadata = { ...flag.metadata };
  return definition;
}

/**
 * Exports flags as a flagd flag-definition document. Imported flags keep their targeting unchanged; rule-based
 * flags get targeting that picks the same variant as our rules for every context and every time (first matching
 * rule wins, `null` for the default variant). Reasons may differ: flagd reports `TARGETING_MATCH` where we report
 * `SPLIT`. Throws on a flag that does not validate (a malformed window or semver matcher, split weights not adding
 * up to 100).
 *
 * @example
 * exportFlagd([{ key: 'beta', state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' }]);
 * // { $schema: 'https://flagd.dev/schema/v0/flags.json', flags: { beta: { state: 'ENABLED', ... } } }
 */
export function exportFlagd(flags: ReadonlyArray<Flag> | Readonly<FlagSet>): FlagdDocument {
  const list: ReadonlyArray<Flag> = Array.isArray(flags) ? flags : Object.values(flags);
  const definitions: Record<string, FlagdFlagDefinition> = {};
  for (const flag of list) definitions[flag.key] = toDefinition(flag);
  return { $schema: FLAGD_SCHEMA_URL, flags: definitions };
}
