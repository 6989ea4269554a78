import { afterAll, describe, expect, it } from 'vitest';
import { defaultOtlpBodyLimits } from '../otlp/read-otlp-body.js';
import { createTestDaemon } from '../testing/test-daemon.js';

const SMALL = 2000;
const LARGE = 8000;
const TOKENS = 64 * 1024;
const OTLP = defaultOtlpBodyLimits.maxBodyBytes;

/**
 * Every route that reads a request body and the most bytes it takes (with `bodyLimitBytes: SMALL` and
 * `largeBodyLimitBytes: LARGE`). A body-reading route without a row fails the coverage test.
 */
const LIMITS: Readonly<Record<string, number>> = {
  'POST /ofrep/v1/evaluate/flags/:key': SMALL,
  'POST /ofrep/v1/evaluate/flags': SMALL,
  'POST /api/v1/tokens': TOKENS,
  'PUT /api/v1/flags/:key': SMALL,
  'POST /api/v1/import/flagd': LARGE,
  'PUT /api/v1/segments/:name': SMALL,
  'PUT /api/v1/packs/:name': LARGE,
  'POST /api/v1/track': SMALL,
  'POST /api/v1/scores': SMALL,
  'POST /v1/traces': OTLP,
  'POST /v1/metrics': OTLP,
  'POST /api/v1/rollouts/:id/pause': SMALL,
  'POST /api/v1/rollouts/:id/resume': SMALL,
  'POST /api/v1/rollouts/:id/promote': SMALL,
  'POST /api/v1/rollouts/:id/rollback': SMALL,
  'POST /api/v1/packs/:name/drill': SMALL,
};

const d = createTestDaemon({ bodyLimitBytes: SMALL, largeBodyLimitBytes: LARGE });
afterAll(() => d.close());

/** A JSON document of exactly `bytes` bytes (a string field padded out). */
function jsonOf(bytes: number): string {
  const shell = '{"pad":""}';
  return `{"pad":"${'x'.repeat(bytes - shell.length)}"}`;
}

describe('request body limits', () => {
  it('exist on every route that takes a body', () => {
    const writes = new Set(
      d.app.routes
        .filter((r) => r.method === 'POST' || r.method === 'PUT')
        .map((r) => `${r.method} ${r.path}`),
    );
    expect([...writes].filter((r) => !(r in LIMITS))).toEqual([]);
    expect(Object.keys(LIMITS).filter((r) => !writes.has(r))).toEqual([]);
  });

  for (const [route, limit] of Object.entries(LIMITS)) {
    it(`${route} refuses ${limit + 1} bytes with 413, declared or streamed`, async () => {
      const [method = 'POST', path = '/'] = route.split(' ');
      const url = path.replace(/:(\w+)/g, 'limit-$1');
      const body = jsonOf(limit + 1);
      const streamed = await d.request(url, {
        method,
        body,
        headers: { 'content-type': 'application/json' },
      });
      expect(streamed.status).toBe(413);
      const declared = await d.request(url, {
        method,
        body,
        headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
      });
      expect(declared.status).toBe(413);
      // At the limit the body is read (whatever the route then makes of it).
      const atLimit = await d.request(url, {
        method,
        body: jsonOf(limit),
        headers: { 'content-type': 'application/json' },
      });
      expect(atLimit.status).not.toBe(413);
    });
  }
});
