/**
 * `tokenscope import --litellm` against a real PostgreSQL holding LiteLLM's spend-log table: every successful call
 * lands once with the numbers PostgreSQL itself sums, in time order, the unfit row named, failed calls ignored, and a
 * rerun adds nothing.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createApiClient, type ApiClient } from '../../src/server/cli/api-client';
import { runLiteLLMImport } from '../../src/server/cli/import-litellm';
import { expectedIgnored, expectedTotals, LITELLM_SPEND_LOGS_DDL, seedSpendLogs, UNFIT_REQUEST_ID, type ExpectedTotals } from '../support/litellm-spend-logs';
import { initdbProgram, startPostgres, type PostgresTestServer } from '../support/postgres-server';
import { runCli } from '../support/run-cli';
import { startTestServer, type TestServer } from '../support/test-server';

const ROWS = 20_000;
const now = Date.now();
const from = now - 10 * 86_400_000;
const to = now - 3_600_000;

describe.skipIf(!initdbProgram.path)(`LiteLLM spend-log import${initdbProgram.skipReason}`, () => {
  let pg: PostgresTestServer;
  let server: TestServer;
  let expected: ExpectedTotals;
  let ignored: number;

  beforeAll(async () => {
    [pg, server] = await Promise.all([startPostgres(), startTestServer()]);
    await pg.sql(LITELLM_SPEND_LOGS_DDL);
    await seedSpendLogs(pg, ROWS, from, to);
    expected = await expectedTotals(pg);
    ignored = await expectedIgnored(pg);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([pg?.stop(), server?.stop()]);
  });

  const stored = async () =>
    (
      await server.json('POST', '/api/v1/query', {
        type: 'totals',
        from,
        to: now,
        metrics: ['input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens', 'requests'],
      })
    ).body.totals;

  test('the CLI imports every successful call once, names the unfit row and ignores failed calls', async () => {
    const run = await runCli(['import', '--litellm', pg.url, '--batch-size', '2000'], { TOKENSCOPE_URL: server.url });
    expect(run.stderr).toMatch(/importing: 100%/);
    expect(run.stdout).toContain(`accepted    ${expected.requests.toLocaleString('en-US')}`);
    expect(run.stdout).toContain(`ignored     ${ignored.toLocaleString('en-US')} (failed calls and LiteLLM cache hits: no model usage)`);
    expect(run.stdout).toMatch(new RegExp(`${UNFIT_REQUEST_ID}: metadata.usage_object: cache tokens`));
    expect(run.code).toBe(2); // a row was rejected
    expect(await stored()).toEqual(expected);
  }, 120_000);

  test('a rerun adds nothing: every row is a duplicate', async () => {
    const summary = await runLiteLLMImport(pg.url, { batchSize: 5000 }, createApiClient(server.url));
    expect(summary).toMatchObject({ accepted: 0, duplicates: expected.requests, ignored, rejected: 1 });
    expect(await stored()).toEqual(expected);
  }, 120_000);

  test('rows are sent in time order, in batches', async () => {
    const real = createApiClient(server.url);
    const stamps: number[] = [];
    let batches = 0;
    const watching: Pick<ApiClient, 'ingest'> = {
      async ingest(ndjson) {
        batches++;
        for (const line of ndjson.split('\n')) stamps.push(JSON.parse(line).timestamp);
        return real.ingest(ndjson);
      },
    };
    await runLiteLLMImport(pg.url, { batchSize: 3000 }, watching);
    expect(stamps.length).toBe(expected.requests); // the unfit row is rejected before it is sent
    expect(batches).toBe(Math.ceil(ROWS / 3000));
    expect(stamps.every((t, i) => i === 0 || t >= stamps[i - 1])).toBe(true);
  }, 120_000);

  test('a database it cannot reach is an error that never shows the password', async () => {
    const url = pg.url.replace('tokenscope@', 'tokenscope:s3cret-pass@').replace(/:\d+\//, ':1/');
    const failure = await runLiteLLMImport(url, {}, createApiClient(server.url)).catch((err: Error) => err);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/^cannot connect to postgres:\/\/tokenscope:\*\*\*@127\.0\.0\.1:1\//);
    expect((failure as Error).message).not.toContain('s3cret-pass');
  });
});
