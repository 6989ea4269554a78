// Building blocks of the OTLP benchmarks' payloads: a seeded xorshift generator (every run measures the same
// payloads) and OTLP AnyValue / KeyValue helpers in protobufjs object form.

/** A deterministic pseudo-random source in [0, 1). */
export function xorshift(seed) {
  let s = seed;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/** `n` random bytes from `random`. */
export const randomBytes = (random, n) =>
  Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
export const str = (v) => ({ stringValue: v });
export const int = (v) => ({ intValue: v });
export const kv = (key, value) => ({ key, value });
/** A system prompt as some instrumentations put it on spans (the daemon drops it). */
export const PROMPT = 'You are a support assistant for an online shop. Answer briefly and politely. '.repeat(
  8,
);
