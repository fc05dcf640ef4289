/**
 * Repricing on DuckDB: events of the range are read a day at a time, priced by the caller's function, and those
 * whose cost changed are updated in place; every rollup tier gets rows holding the difference (new minus old) for
 * the changed slots, appended like any commit, so each tier's sums stay exactly the sums of its raw events.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { BASE_SUMS } from '../../../shared';
import { totalMicros, type EventCost, type RepricedGroup, type StoredEvent } from '../engine';
import { ROLLUP_COLUMNS, ROLLUP_TIERS, rollupTable } from './duckdb-schema';

const DAY = 86_400_000;
/** The cost columns of raw events, each with its base sum (given_cost_micros is null when the source gave none). */
const COST_FIELDS = [
  ['input_cost_micros', (c: EventCost) => c.inputMicros],
  ['cache_read_cost_micros', (c: EventCost) => c.cacheReadMicros],
  ['cache_write_cost_micros', (c: EventCost) => c.cacheWriteMicros],
  ['output_cost_micros', (c: EventCost) => c.outputMicros],
  ['given_cost_micros', (c: EventCost) => c.givenMicros],
  ['unpriced_tokens', (c: EventCost) => c.unpricedTokens],
] as const;
const COST_COLUMNS = COST_FIELDS.map(([name]) => name);
/** The columns whose sum is the whole cost (the base sum cost_micros). */
const MONEY_COLUMNS = COST_COLUMNS.filter((c) => c !== 'unpriced_tokens');
const ROWS_PER_INSERT = 1000;

/** Reprices [from, to); the caller runs it with the writer connection to itself. */
export async function repriceDuckDB(conn: DuckDBConnection, from: number, to: number, price: (event: StoredEvent) => EventCost): Promise<RepricedGroup[]> {
  const groups = new Map<string, RepricedGroup>();
  for (let start = from; start < to; start = Math.min(to, start + DAY)) {
    const end = Math.min(to, start + DAY);
    const rows = (
      await conn.runAndReadAll(`SELECT e.rowid::DOUBLE, e.ts::DOUBLE, e.dims_id, d.service, d.model, d.model_type, d.api_key, d.api_key_label,
          e.input_tokens::DOUBLE, e.output_tokens::DOUBLE, e.cache_read_tokens::DOUBLE, e.cache_write_tokens::DOUBLE, e.reasoning_tokens::DOUBLE,
          ${COST_COLUMNS.map((c) => `e.${c}::DOUBLE`).join(', ')}
        FROM events e JOIN dims d ON d.id = e.dims_id WHERE e.ts >= ${start} AND e.ts < ${end}`)
    ).getRowsJS();
    const changes: string[] = [];
    for (const r of rows) {
      const [rowid, ts, dimsId, service, model, modelType, apiKey, apiKeyLabel, input, output, cacheRead, cacheWrite, reasoning, ...costs] = r as [
        number,
        number,
        number,
        string,
        string,
        string,
        string,
        string,
        number,
        number,
        number,
        number,
        number,
        ...(number | null)[],
      ];
      const before: EventCost = {
        inputMicros: costs[0]!,
        cacheReadMicros: costs[1]!,
        cacheWriteMicros: costs[2]!,
        outputMicros: costs[3]!,
        givenMicros: costs[4],
        unpricedTokens: costs[5]!,
      };
      const event: StoredEvent = {
        ts,
        service,
        model,
        modelType,
        apiKey,
        apiKeyLabel,
        inputTokens: input,
        outputTokens: output,
        cacheReadTokens: cacheRead,
        cacheWriteTokens: cacheWrite,
        reasoningTokens: reasoning,
        durationMs: null,
        id: null,
        traceId: null,
        spanId: null,
        cost: before,
      };
      const after = price(event);
      const key = `${service}\u0000${model}`;
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { service, model, events: 0, changed: 0, costBefore: 0, costAfter: 0, unpricedBefore: 0, unpricedAfter: 0 }));
      group.events++;
      group.costBefore += totalMicros(before);
      group.costAfter += totalMicros(after);
      group.unpricedBefore += before.unpricedTokens;
      group.unpricedAfter += after.unpricedTokens;
      const same = COST_FIELDS.every(([, get]) => get(before) === get(after));
      if (same) continue;
      group.changed++;
      const sql = (n: number | null) => (n === null ? 'NULL' : String(n));
      changes.push(
        `(${rowid}, ${ts}, ${dimsId}, ${COST_FIELDS.map(([, get]) => sql(get(after))).join(', ')}, ${COST_FIELDS.map(([, get]) => (get(after) ?? 0) - (get(before) ?? 0)).join(', ')})`,
      );
    }
    if (changes.length) await applyChanges(conn, changes);
  }
  return [...groups.values()];
}

async function applyChanges(conn: DuckDBConnection, changes: readonly string[]): Promise<void> {
  await conn.run('BEGIN');
  try {
    await conn.run(`CREATE OR REPLACE TEMP TABLE reprice_changes (rid BIGINT, ts BIGINT, dims_id INTEGER,
      ${COST_COLUMNS.map((c) => `${c} BIGINT`).join(', ')}, ${COST_COLUMNS.map((c) => `delta_${c} BIGINT`).join(', ')})`);
    for (let i = 0; i < changes.length; i += ROWS_PER_INSERT)
      await conn.run(`INSERT INTO reprice_changes VALUES ${changes.slice(i, i + ROWS_PER_INSERT).join(', ')}`);
    await conn.run(`UPDATE events SET ${COST_COLUMNS.map((c) => `${c} = c.${c}`).join(', ')} FROM reprice_changes c WHERE events.rowid = c.rid`);
    // Every base sum but the costs is 0 in a difference row; a source's cost of "none" (null) counts as 0 in the sums.
    const deltaOf = (s: string) =>
      s === 'cost_micros'
        ? `sum(${MONEY_COLUMNS.map((c) => `delta_${c}`).join(' + ')})::BIGINT`
        : (COST_COLUMNS as readonly string[]).includes(s)
          ? `sum(delta_${s})::BIGINT`
          : '0';
    const sums = BASE_SUMS.map(deltaOf).join(', ');
    for (const tier of ROLLUP_TIERS) {
      await conn.run(`INSERT INTO ${rollupTable(tier.id)} (${ROLLUP_COLUMNS})
        SELECT ts - ts % ${tier.ms} AS slot, dims_id, ${sums} FROM reprice_changes GROUP BY ALL ORDER BY slot`);
    }
    await conn.run('DROP TABLE reprice_changes');
    await conn.run('COMMIT');
  } catch (err) {
    await conn.run('ROLLBACK').catch(() => {});
    throw err;
  }
}
