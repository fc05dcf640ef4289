import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

test('health answers with the engine and event count', async () => {
  const res = await server.json('GET', '/api/v1/health');
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ status: 'ok', service: 'tokenscope', engine: 'duckdb', events: 0 });
});
