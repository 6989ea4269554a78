import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AnswerLog } from './answer-log.js';
import { DemoJudge, judgeScore, scoreBatch, signatureHolds } from './demo-judge.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const id = (i: number) => i.toString(16).padStart(32, '0');

describe("the demo's judge", () => {
  it('passes about the pass rate of traces, and the same trace always alike', () => {
    let passed = 0;
    for (let i = 0; i < 10_000; i++) passed += judgeScore(id(i), 0.7);
    // 10,000 draws at 0.7: the standard deviation is about 46, so ±300 is far outside chance.
    expect(Math.abs(passed - 7000)).toBeLessThan(300);
    expect(judgeScore(id(42), 0.7)).toBe(judgeScore(id(42), 0.7));
    expect(judgeScore(id(42), 0)).toBe(0);
    expect(judgeScore(id(42), 1)).toBe(1);
  });

  it('scores the traces its log holds, with the batch id, and skips the others', () => {
    const log = new AnswerLog(2);
    log.record(id(1), { version: '2.3.1', passRate: 1 });
    log.record(id(2), { version: '2.4.0', passRate: 0 });
    log.record(id(3), { version: '2.4.0', passRate: 0 });
    // Bounded: the oldest answer is forgotten.
    expect(log.size).toBe(2);
    const request = {
      event: 'evaluation.requested',
      pack: 'p',
      rolloutId: 'r',
      batchId: 'b1',
      traces: [1, 2, 3].map((i) => ({ traceId: id(i), variant: 'v' })),
    };
    expect(scoreBatch(request, log)).toEqual([
      { traceId: id(2), name: 'judge', value: 0, batchId: 'b1' },
      { traceId: id(3), name: 'judge', value: 0, batchId: 'b1' },
    ]);
  });

  it('answers a signed request, refuses an unsigned one, and posts the scores to canaryd', async () => {
    const posted: Array<{ auth: string | undefined; body: unknown }> = [];
    const canaryd: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        posted.push({ auth: req.headers.authorization, body: JSON.parse(Buffer.concat(chunks).toString()) });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"accepted":1,"dropped":{}}');
      });
    });
    await new Promise<void>((resolve) => canaryd.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => canaryd.close(() => resolve())));
    const log = new AnswerLog();
    log.record(id(7), { version: '2.4.0', passRate: 1 });
    const batches: unknown[] = [];
    const judge = new DemoJudge({
      log,
      secret: 'hook-secret',
      url: `http://127.0.0.1:${(canaryd.address() as AddressInfo).port}`,
      token: 'app-token',
      onBatch: (batch) => batches.push(batch),
    });
    const hook = await judge.listen(0);
    closers.push(() => judge.close());

    const body = JSON.stringify({
      event: 'evaluation.requested',
      pack: 'p',
      rolloutId: 'r',
      batchId: 'b7',
      traces: [{ traceId: id(7), variant: '2.4.0' }],
    });
    const unsigned = await fetch(hook, { method: 'POST', body });
    expect(unsigned.status).toBe(401);
    const signature = `sha256=${createHmac('sha256', 'hook-secret').update(body).digest('hex')}`;
    expect(signatureHolds(body, signature, 'hook-secret')).toBe(true);
    const signed = await fetch(hook, { method: 'POST', body, headers: { 'x-canary-signature': signature } });
    expect(signed.status).toBe(202);
    const deadline = Date.now() + 20_000;
    while (batches.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(batches).toEqual([{ batchId: 'b7', asked: 1, scored: 1 }]);
    expect(posted).toEqual([
      {
        auth: 'Bearer app-token',
        body: { scores: [{ traceId: id(7), name: 'judge', value: 1, batchId: 'b7' }] },
      },
    ]);
  });
});
