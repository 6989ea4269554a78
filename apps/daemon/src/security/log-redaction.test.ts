import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { logRedaction } from './log-redaction.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ level: 'debug', redact: logRedaction }, stream), lines };
}

describe('log redaction', () => {
  it('censors credentials wherever a log line would carry them, and nothing else', () => {
    const { logger, lines } = capture();
    logger.info(
      { headers: { authorization: 'Bearer pc_one', 'x-api-key': 'pc_two', cookie: 't=pc_three' } },
      'a',
    );
    logger.info({ req: { headers: { authorization: 'Bearer pc_four' } }, token: 'pc_five' }, 'b');
    logger.info(
      { target: { url: 'http://hook', secret: 'whsec_six' }, actor: 'admin', path: '/api/v1/flags' },
      'c',
    );
    const text = lines.join('');
    for (const secret of ['pc_one', 'pc_two', 'pc_three', 'pc_four', 'pc_five', 'whsec_six'])
      expect(text).not.toContain(secret);
    expect(text).toContain('"actor":"admin"');
    expect(text).toContain('"path":"/api/v1/flags"');
    expect(text).toContain('[redacted]');
  });
});
