/**
 * LiteLLM spend-log import benchmark: a throwaway PostgreSQL with LiteLLM's table and N generated rows (default
 * 1M), imported into a backend (its own process, DuckDB) through `runLiteLLMImport`, beside the same read and
 * conversion with nothing sent (the baseline from the same run), printed as rows/s and a ratio; then a rerun that
 * must add nothing. Usage: npm run bench:litellm [-- --rows 1000000 --batch 5000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createApiClient, type ApiClient } from '../src/server/cli/api-client';
import { runLiteLLMImport } from '../src/server/cli/import-litellm';
import { expectedTotals, LITELLM_SPEND_LOGS_DDL, seedSpendLogs } from '../test/support/litellm-spend-logs';
import { startPostgres } from '../test/support/postgres-server';
import { spawnServer } from '../test/support/server-process';

const { values: args } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, batch: { type: 'string', default: '5000' } } });
const rows = Number(args.rows);
const batchSize = Number(args.batch);
if (!(rows > 0 && rows <= 1_000_000)) throw new Error('--rows: from 1 to 1000000');

const rate = (n: number, ms: number) => `${Math.round((n / ms) * 1000).toLocaleString('en-US')} rows/s`;

async function main() {
  const pg = await startPostgres();
  const dir = mkdtempSync(join(tmpdir(), 'tokenscope-bench-litellm-'));
  const server = await spawnServer(['--db', join(dir, 'tokenscope.duckdb')], { TOKENSCOPE_LOG_LEVEL: 'info' });
  try {
    const now = Date.now();
    await pg.sql(LITELLM_SPEND_LOGS_DDL);
    let started = performance.now();
    await seedSpendLogs(pg, rows, now - 30 * 86_400_000, now - 3_600_000);
    await pg.sql('VACUUM ANALYZE "LiteLLM_SpendLogs"');
    console.log(`seeded ${rows.toLocaleString('en-US')} spend-log rows in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const expected = await expectedTotals(pg);

    // Baseline: the same pages read and converted, every batch answered at once instead of sent.
    const nowhere: Pick<ApiClient, 'ingest'> = {
      ingest: async (ndjson) => ({ accepted: ndjson.split('\n').length, duplicates: 0, rejected: [], rejected_total: 0 }),
    };
    started = performance.now();
    await runLiteLLMImport(pg.url, { batchSize }, nowhere);
    const baselineMs = performance.now() - started;

    const client = createApiClient(server.url);
    const first = await runLiteLLMImport(pg.url, { batchSize }, client);
    const again = await runLiteLLMImport(pg.url, { batchSize }, client);
    const stored = (await client.query({ type: 'totals', from: now - 31 * 86_400_000, to: now, metrics: ['requests', 'input_tokens'] })) as unknown as {
      totals: Record<string, number>;
    };

    console.log(`read + convert only (baseline): ${rate(rows, baselineMs)}`);
    console.log(
      `import:                         ${rate(rows, first.ms)}  (${(first.ms / baselineMs).toFixed(2)}× the baseline's time)  accepted ${first.accepted.toLocaleString('en-US')}, ignored ${first.ignored}, rejected ${first.rejected}`,
    );
    console.log(`rerun:                          ${rate(rows, again.ms)}  accepted ${again.accepted}, duplicates ${again.duplicates.toLocaleString('en-US')}`);
    const ok = stored.totals.requests === expected.requests && stored.totals.input_tokens === expected.input_tokens && again.accepted === 0;
    console.log(
      `stored ${stored.totals.requests.toLocaleString('en-US')} requests (PostgreSQL expects ${expected.requests.toLocaleString('en-US')}): ${ok ? 'ok' : 'MISMATCH'}`,
    );
    if (!ok) process.exitCode = 1;
  } finally {
    await server.kill();
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
