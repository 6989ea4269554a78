import type { WireEnum, WireId, WireLong } from './otlp-wire-types.js';

/** A request body that is not a valid OTLP message; the route answers 400 with its message. */
export class OtlpDecodeError extends Error {
  override readonly name = 'OtlpDecodeError';
}

const TWO_TO_32 = 4294967296;
const DECIMAL = /^-?\d+$/;

/**
 * A 64-bit integer as a JavaScript number. protobufjs gives `Long` objects (we keep its default rather than
 * reconfiguring the shared `protobufjs` module globally); the sum of the two halves is exact up to 2^53, and
 * nanosecond timestamps (~2^60) keep ~256 ns of precision, far below the millisecond the analysis uses.
 */
export function longToNumber(value: WireLong | null | undefined, path: string): number {
  if (typeof value === 'number') return value;
  if (value === undefined || value === null) return 0;
  if (typeof value === 'string') {
    if (!DECIMAL.test(value))
      throw new OtlpDecodeError(`${path}: expected a decimal integer, got "${value}"`);
    return Number(value);
  }
  if (typeof value === 'object' && typeof value.low === 'number' && typeof value.high === 'number') {
    const high = value.unsigned ? value.high >>> 0 : value.high;
    return high * TWO_TO_32 + (value.low >>> 0);
  }
  throw new OtlpDecodeError(`${path}: expected an integer`);
}

/** A `double` field: OTLP/JSON may spell it as a string (`"NaN"`, `"Infinity"`, or digits). */
export function toDouble(value: number | string | null | undefined, path: string): number {
  if (typeof value === 'number') return value;
  if (value === undefined || value === null) return 0;
  if (typeof value === 'string') {
    const n = Number(value);
    if (value.trim() !== '' && (!Number.isNaN(n) || value === 'NaN')) return n;
  }
  throw new OtlpDecodeError(`${path}: expected a number`);
}

/**
 * `end − start` in nanoseconds, exact for the spans we see (differences far below 2^53 ns ≈ 104 days), where
 * subtracting the two converted timestamps would lose the last ~8 bits of each.
 */
export function nanosBetween(start: WireLong | null | undefined, end: WireLong | null | undefined): number {
  if (typeof start === 'object' && start !== null && typeof end === 'object' && end !== null) {
    return (end.high - start.high) * TWO_TO_32 + ((end.low >>> 0) - (start.low >>> 0));
  }
  if (typeof start === 'string' && typeof end === 'string' && DECIMAL.test(start) && DECIMAL.test(end)) {
    return Number(BigInt(end) - BigInt(start));
  }
  return longToNumber(end, 'endTimeUnixNano') - longToNumber(start, 'startTimeUnixNano');
}

/** Nanoseconds since the epoch → milliseconds. */
export function nanosToMs(value: WireLong | null | undefined, path: string): number {
  return longToNumber(value, path) / 1e6;
}

const HEX = /^[0-9a-fA-F]*$/;

/**
 * A trace or span id as lowercase hex: bytes from protobuf, hex text from OTLP/JSON (which, unlike the
 * generic protobuf JSON mapping, does not use base64 for ids). Returns `undefined` when the value is not hex
 * or has the wrong length, so that the caller can reject the one span rather than the request.
 */
export function idToHex(value: WireId | null | undefined, bytes: number): string | undefined {
  if (value === undefined || value === null) return bytes === 0 ? '' : undefined;
  let hex: string;
  if (typeof value === 'string') {
    if (!HEX.test(value)) return undefined;
    hex = value.toLowerCase();
  } else if (Buffer.isBuffer(value)) {
    // protobufjs on Node hands out Buffer views already.
    hex = value.toString('hex');
  } else if (value instanceof Uint8Array) {
    hex = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex');
  } else if (Array.isArray(value) && (value as unknown[]).length === 0) {
    // protobufjs's default for an unset `bytes` field is an empty array.
    hex = '';
  } else {
    return undefined;
  }
  if (bytes === 0) return hex.length === 0 || hex.length === 16 ? hex : undefined;
  return hex.length === bytes * 2 ? hex : undefined;
}

/**
 * An enum value as its number. Protobuf and OTLP/JSON send integers; some JSON writers send the value's name,
 * which `names` maps, or the number as text (unknown names count as 0, the "unspecified" value every OTLP enum
 * starts with).
 */
export function enumValue(
  value: WireEnum | null | undefined,
  names: Readonly<Record<string, number>>,
  path: string,
): number {
  if (typeof value === 'number') return value;
  if (value === undefined || value === null) return 0;
  if (typeof value === 'string') return names[value] ?? (DECIMAL.test(value) ? Number(value) : 0);
  throw new OtlpDecodeError(`${path}: expected an enum value`);
}

/** An optional repeated field: absent → empty; anything but an array (only possible in JSON) → malformed. */
export function list<T>(value: T[] | null | undefined, path: string): T[] {
  if (value === undefined || value === null) return EMPTY as unknown as T[];
  if (!Array.isArray(value)) throw new OtlpDecodeError(`${path}: expected an array`);
  return value;
}

const EMPTY: readonly never[] = Object.freeze([]);

/** An optional nested message: must be an object when present (only JSON can get this wrong). */
export function object<T extends object>(value: T | null | undefined, path: string): T | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new OtlpDecodeError(`${path}: expected an object`);
  }
  return value;
}

/** An optional string field. */
export function text(value: string | null | undefined, path: string): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  throw new OtlpDecodeError(`${path}: expected a string`);
}

/** `Span.Status.StatusCode` names. */
export const STATUS_CODES: Readonly<Record<string, number>> = {
  STATUS_CODE_UNSET: 0,
  STATUS_CODE_OK: 1,
  STATUS_CODE_ERROR: 2,
};

/** `Span.SpanKind` names. */
export const SPAN_KINDS: Readonly<Record<string, number>> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};

/** `AggregationTemporality` names. */
export const TEMPORALITIES: Readonly<Record<string, number>> = {
  AGGREGATION_TEMPORALITY_UNSPECIFIED: 0,
  AGGREGATION_TEMPORALITY_DELTA: 1,
  AGGREGATION_TEMPORALITY_CUMULATIVE: 2,
};

/**
 * `bytes` as a Node `Buffer` over the same memory (no copy). protobufjs reads a `Buffer` with its `BufferReader`,
 * whose strings come from Node's native UTF-8 decoder; a plain `Uint8Array` (a single-chunk request body) would be
 * read by its JavaScript decoder, several times slower.
 */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
