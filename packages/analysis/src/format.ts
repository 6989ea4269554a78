import type { MetricUnit } from './metric-definition.js';

const MINUS = '\u2212';

// Building an Intl.NumberFormat costs far more than using one; these are kept per option.
const groupedFormats = new Map<number, Intl.NumberFormat>();
const significantFormats = new Map<number, Intl.NumberFormat>();

function grouped(value: number, maxFractionDigits: number): string {
  let format = groupedFormats.get(maxFractionDigits);
  if (format === undefined) {
    format = new Intl.NumberFormat('en-US', { maximumFractionDigits: maxFractionDigits });
    groupedFormats.set(maxFractionDigits, format);
  }
  return format.format(value).replace('-', MINUS);
}

function significant(value: number, digits: number): string {
  if (value === 0) return '0';
  let format = significantFormats.get(digits);
  if (format === undefined) {
    format = new Intl.NumberFormat('en-US', { maximumSignificantDigits: digits });
    significantFormats.set(digits, format);
  }
  return format.format(value).replace('-', MINUS);
}

/** A value in its unit: `89.1%`, `3,412 ms`, `812 tokens`, `0.01234`, `4.21`. */
export function formatValue(value: number, unit: MetricUnit): string {
  switch (unit) {
    case 'fraction':
      return `${(value * 100).toFixed(1)}%`;
    case 'ms':
      return `${grouped(value, value < 10 ? 2 : 0)} ms`;
    case 'tokens':
      return `${grouped(value, 1)} tokens`;
    case 'rating':
      return grouped(value, 2);
    default:
      return Math.abs(value) >= 1000 ? grouped(value, 0) : significant(value, 4);
  }
}

/** A signed number with a unicode minus: `+2.0`, `−4.9`. */
export function formatSigned(value: number, fractionDigits = 1): string {
  const rounded = Number(value.toFixed(fractionDigits));
  const abs = grouped(Math.abs(rounded), fractionDigits);
  const fixed = abs.includes('.') || fractionDigits === 0 ? abs : `${abs}.${'0'.repeat(fractionDigits)}`;
  const padded = fixed.includes('.') ? fixed.padEnd(fixed.indexOf('.') + 1 + fractionDigits, '0') : fixed;
  if (rounded > 0) return `+${padded}`;
  if (rounded < 0) return `${MINUS}${padded}`;
  return padded;
}

/** A fraction as percent with one decimal: `94.0%`. */
export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

/** A confidence level 1 − α as a short percent: `95%`, `98.3%`. */
export function formatLevel(alpha: number): string {
  const pct = (1 - alpha) * 100;
  return `${Number(pct.toFixed(pct >= 99.9 ? 2 : 1))}%`;
}

/** A sample count with thousands separators: `3,700`. */
export function formatCount(n: number): string {
  return grouped(Math.round(n), 0);
}
