// The floor for the OFREP benchmark: one bare Hono route on @hono/node-server that reads and parses the same JSON
// body as canaryd's OFREP route and answers with a JSON object of exactly RESPONSE_BYTES bytes (the size of
// canaryd's answer, measured by the benchmark). No auth, metrics, logging or evaluation. Prints `{"port": N}`.
//
//   RESPONSE_BYTES=120 node bench/lib/bare-hono-server.js

import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const size = Number(process.env.RESPONSE_BYTES ?? 120);
const skeleton = { key: '', value: '', pad: '' };
const baseBytes = Buffer.byteLength(JSON.stringify(skeleton));

const app = new Hono();
app.post('/ofrep/v1/evaluate/flags/:key', async (c) => {
  const body = JSON.parse(await c.req.text());
  const key = c.req.param('key');
  const value = typeof body?.context?.targetingKey === 'string' ? body.context.targetingKey : '';
  const used = baseBytes + Buffer.byteLength(key) + Buffer.byteLength(value);
  const answer = { key, value, pad: 'x'.repeat(Math.max(0, size - used)) };
  return c.body(JSON.stringify(answer), 200, { 'content-type': 'application/json' });
});

const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => {
  process.stdout.write(`${JSON.stringify({ port: info.port })}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
