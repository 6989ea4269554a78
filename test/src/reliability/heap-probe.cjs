// Loaded into a canaryd under test with `node --expose-gc --require heap-probe.cjs`: on SIGUSR2 it runs full
// garbage collections, with pauses between them so that finalizers run (request bodies are released through a
// FinalizationRegistry), and prints the live heap left (`heap-after-gc <bytes>`) on stderr. A leak shows there as
// a rising floor; RSS, or heapUsed without the collections, swings by far more than a slow leak adds.
process.on('SIGUSR2', () => {
  let left = 3;
  const step = () => {
    globalThis.gc();
    if (--left > 0) setTimeout(step, 50);
    else process.stderr.write(`heap-after-gc ${process.memoryUsage().heapUsed}\n`);
  };
  step();
});
