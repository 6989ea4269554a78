/** A duration: milliseconds as a number, or text such as `'500ms'`, `'30s'`, `'10m'`, `'1h'`. */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h'}`;

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Converts a {@link Duration} to milliseconds. Only invalid configuration throws, and the message names the option.
 */
export function toMilliseconds(value: Duration, option: string): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return value;
  } else {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value.trim());
    const unit = match?.[2] === undefined ? undefined : UNIT_MS[match[2]];
    if (match?.[1] !== undefined && unit !== undefined) return Number(match[1]) * unit;
  }
  throw new TypeError(
    `PromptCanaryProvider option \`${option}\` must be a non-negative number of milliseconds or a duration such as '30s' or '10m', got ${JSON.stringify(value)}`,
  );
}
