/** Bearer tokens: every route × no token / wrong token / read token / ingest token / scrape token. */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadConfig } from '../../src/server/config';
import { startTestServer, type TestServer } from '../support/test-server';

const READ = 'read-token-0123456789abcdef';
const INGEST = 'ingest-token-0123456789abcdef';
const SCRAPE = 'scrape-token-0123456789abcdef';
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer(
    { TOKENSCOPE_HOST: '127.0.0.1' },
    { TOKENSCOPE_READ_TOKENS: `other-read-token-000000,${READ}`, TOKENSCOPE_INGEST_TOKENS: INGEST, TOKENSCOPE_METRICS_TOKENS: SCRAPE },
  );
});
afterAll(() => server.stop());

const now = Date.now();
const event = JSON.stringify({ timestamp: now - 1000, service: 's', model: 'm', input_tokens: 1, output_tokens: 1 });
const routes: [string, string, string | undefined, 'read' | 'ingest' | 'metrics' | 'public'][] = [
  ['POST', '/api/v1/usage', event, 'ingest'],
  [
    'POST',
    '/api/v1/litellm',
    JSON.stringify([{ id: 'auth-litellm', startTime: now / 1000 - 1, prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }]),
    'ingest',
  ],
  ['POST', '/api/v1/query', JSON.stringify({ type: 'totals', from: now - 1000, to: now }), 'read'],
  ['GET', '/api/v1/dimensions/model/values', undefined, 'read'],
  ['GET', `/api/v1/export?from=${now - 1000}&to=${now}`, undefined, 'read'],
  ['GET', '/api/v1/health', undefined, 'read'],
  ['GET', '/healthz', undefined, 'public'],
  ['GET', '/api/v1/openapi.json', undefined, 'public'],
  ['GET', '/metrics', undefined, 'metrics'],
];
const callers: [string, string | undefined, 'read' | 'ingest' | 'scrape' | null][] = [
  ['no token', undefined, null],
  ['wrong token', 'Bearer not-a-real-token-at-all', null],
  ['read token', `Bearer ${READ}`, 'read'],
  ['ingest token', `Bearer ${INGEST}`, 'ingest'],
  ['scrape token', `Bearer ${SCRAPE}`, 'scrape'],
];
/** /metrics takes a read or a scrape token; the scrape token opens nothing else. */
const allowed = (access: string, role: string | null) =>
  access === 'public' || role === access || (access === 'metrics' && (role === 'read' || role === 'scrape'));

test.each(routes.flatMap((r) => callers.map((c) => [...r, ...c] as const)))('%s %s with %s', async (method, path, body, access, _who, authorization, role) => {
  const headers: Record<string, string> = { 'content-type': method === 'POST' && path.endsWith('usage') ? 'application/x-ndjson' : 'application/json' };
  if (authorization) headers.authorization = authorization;
  const res = await fetch(server.url + path, { method, headers, body });
  const expected = allowed(access, role) ? 200 : role === null ? 401 : 403;
  expect(res.status).toBe(expected);
  if (expected !== 200) {
    const text = await res.text();
    expect(JSON.parse(text).error.message.length).toBeGreaterThan(10);
    expect(text).not.toContain(READ);
    expect(text).not.toContain(INGEST);
    expect(text).not.toContain(SCRAPE);
  }
});

test('configuration: half-configured auth, shared tokens, short tokens and open hosts without auth are refused', () => {
  expect(() => loadConfig({ TOKENSCOPE_READ_TOKENS: READ })).toThrow(/set both TOKENSCOPE_INGEST_TOKENS and TOKENSCOPE_READ_TOKENS/);
  expect(() => loadConfig({ TOKENSCOPE_READ_TOKENS: READ, TOKENSCOPE_INGEST_TOKENS: READ })).toThrow(/appears in both/);
  expect(() => loadConfig({ TOKENSCOPE_READ_TOKENS: 'short', TOKENSCOPE_INGEST_TOKENS: INGEST })).toThrow(
    /TOKENSCOPE_READ_TOKENS: each token must be at least 16 characters/,
  );
  expect(() => loadConfig({ TOKENSCOPE_HOST: '0.0.0.0' })).toThrow(/needs auth/);
  expect(loadConfig({}).host).toBe('127.0.0.1');
  expect(loadConfig({ TOKENSCOPE_READ_TOKENS: READ, TOKENSCOPE_INGEST_TOKENS: INGEST }).host).toBe('0.0.0.0');
  expect(() => loadConfig({ TOKENSCOPE_PORT: 'eighty' })).toThrow(/TOKENSCOPE_PORT/);
});
