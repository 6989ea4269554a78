import type protobuf from 'protobufjs';

/*
 * Reading the protobuf wire format with protobufjs's own `Reader` (varints, lengths, strings, skipping fields by wire
 * type), for the projections that read OTLP straight into the receiver's records instead of decoding objects.
 */

/** protobufjs's wire reader; `len` is narrowed to the message being read (see {@link enter}). */
export type WireReader = protobuf.Reader;

/** Wire types. */
export const VARINT = 0;
export const I64 = 1;
export const LEN = 2;

/** A field's tag as it appears on the wire: field number and wire type. */
export function tagOf(field: number, wireType: number): number {
  return ((field << 3) | wireType) >>> 0;
}

/** Narrows the reader to the length-delimited message that starts here; returns the enclosing end. */
export function enter(r: WireReader): number {
  const length = r.uint32();
  const end = r.pos + length;
  if (end > r.len) throw new RangeError(`index out of range: ${r.pos} + ${length} > ${r.len}`);
  const outer = r.len;
  r.len = end;
  return outer;
}

/** Back to the enclosing message, which must have been read to its end. */
export function leave(r: WireReader, outer: number): void {
  if (r.pos !== r.len) throw new RangeError('index out of range');
  r.len = outer;
}

export function skipField(r: WireReader, tag: number): void {
  r.skipType(tag & 7, 0, tag >>> 3);
}

/** Skips a length-delimited field and returns where its bytes start (its length is `r.pos − start` after). */
export function skipBytes(r: WireReader): number {
  const length = r.uint32();
  const start = r.pos;
  r.skip(length);
  return start;
}
