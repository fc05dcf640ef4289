/**
 * Crash safety: SIGKILL at random moments while clients stream batches, at least 20 times, on DuckDB and on
 * ClickHouse. Every restart opens the store by itself; every acknowledged event is there exactly once; a
 * batch cut off is there whole or not at all, and resending the cut-off batches gives exact totals.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { clickhouseProgram, startClickHouse, type ClickHouseTestCluster } from '../support/clickhouse-server';
import { spawnServer } from '../support/server-process';
import { errorLines, expectExactTotals, expectStoredAsAnswered, resendCutOff, runCrashDrill, type CrashDrillOptions } from './crash-drill';
import { SIZES, reliabilitySeed } from './reliability-mode';

const H = 3_600_000;
// Within the last day: the ClickHouse engine repairs rollups at start over the recent days.
const from = Math.floor((Date.now() - 20 * H) / 60_000) * 60_000;
const span = 19 * H;

async function drill(engine: string, options: Omit<CrashDrillOptions, 'seed' | 'from' | 'span' | 'batchSize' | 'senders'>): Promise<void> {
  const seed = reliabilitySeed();
  const full = { ...options, seed, from, span, batchSize: 100, senders: 3 };
  const run = await runCrashDrill(full);
  expect(run.kills).toBeGreaterThanOrEqual(options.rounds);

  const server = await spawnServer(options.args, options.env);
  expect(errorLines(server)).toEqual([]);
  const cutButStored = await expectStoredAsAnswered(server, run.batches, full);
  const resend = await resendCutOff(server, run.batches);
  expect(resend.alreadyStored).toBe(cutButStored);
  await expectStoredAsAnswered(server, run.batches, full);
  await expectExactTotals(server, run.batches, full);
  await server.kill('SIGTERM');

  const acked = run.batches.length - resend.resent;
  console.log(
    `crash safety (${engine}, seed ${seed}): ${run.kills} SIGKILLs survived (${run.killsWhileOpening} while the store opened), ${run.restarts} clean restarts; ` +
      `${acked} batches acknowledged and found exactly once, ${resend.resent} cut off (${resend.alreadyStored} stored before the kill, the rest stored on resend); totals exact`,
  );
}

describe('crash safety on DuckDB', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokenscope-crash-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test(
    `${SIZES.killRounds} SIGKILLs while batches stream: acknowledged events exactly once, resends complete the totals`,
    { timeout: SIZES.killRounds * 15_000 + 60_000 },
    async () => {
      await drill('duckdb', { rounds: SIZES.killRounds, args: ['--db', join(dir, 'tokenscope.duckdb')], env: {} });
    },
  );
});

describe.skipIf(!clickhouseProgram.path)(`crash safety on ClickHouse${clickhouseProgram.skipReason}`, () => {
  let clickhouse: ClickHouseTestCluster;
  beforeAll(async () => {
    clickhouse = await startClickHouse(1);
  });
  afterAll(() => clickhouse?.stop());

  test(
    `${SIZES.clickhouseKillRounds} SIGKILLs of the backend while batches stream: acknowledged events exactly once, resends complete the totals`,
    { timeout: SIZES.clickhouseKillRounds * 20_000 + 60_000 },
    async () => {
      await drill('clickhouse', { rounds: SIZES.clickhouseKillRounds, args: [], env: { TOKENSCOPE_STORE: clickhouse.storeUrl('crash') } });
    },
  );
});
