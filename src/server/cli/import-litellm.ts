/**
 * `tokenscope import --litellm postgres://…`: reads LiteLLM's spend logs (`LiteLLM_SpendLogs`) in time order, page
 * by page (keyset on startTime, request_id), and sends them to a running backend as NDJSON batches. Each row's
 * request_id is its idempotency key, so a rerun, or a run after an interrupted one, adds nothing twice.
 */
import pg from 'pg';
import { fromSpendLogRow } from '../ingest/litellm/litellm-spend-log';
import type { ApiClient } from './api-client';
import { formatNumber } from './format';
import { groupRejections, type ImportSummary, type RejectedRow } from './import-summary';
import type { Progress } from './progress';

export interface LiteLLMImportSummary extends ImportSummary {
  /** Rows of failed calls, which carry no usage. */
  ignored: number;
}

const TABLE = '"LiteLLM_SpendLogs"';
const DEFAULT_BATCH_SIZE = 5000;
/** The metadata fields the import uses, picked in SQL: LiteLLM's metadata holds much more (guardrails, costs, …). */
const METADATA_FIELDS = ['usage_object', 'additional_usage_values', 'user_api_key', 'user_api_key_alias', 'user_api_key_team_id', 'user_api_key_team_alias'];
// LiteLLM writes metadata as a JSON text (safe_dumps), which may land as a JSONB object or as a JSONB string holding one.
const METADATA_OBJECT = `(CASE WHEN jsonb_typeof(metadata) = 'string' THEN (metadata #>> '{}')::jsonb ELSE metadata END)`;
const METADATA = `jsonb_build_object(${METADATA_FIELDS.map((f) => `'${f}', ${METADATA_OBJECT}->'${f}'`).join(', ')}) AS metadata`;
/** Columns newer LiteLLM versions added; read when the table has them. */
const OPTIONAL_COLUMNS = ['status', 'request_duration_ms'];

/** The URL with its password replaced, for messages: the password is never shown. */
export function redactPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the --litellm URL';
  }
}

export async function runLiteLLMImport(
  databaseUrl: string,
  options: { batchSize?: number },
  /** Only its ingest is used. */
  client: Pick<ApiClient, 'ingest'>,
  progress?: Progress,
): Promise<LiteLLMImportSummary> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (batchSize < 1) throw new Error('--batch-size must be at least 1');
  const started = performance.now();
  const db = new pg.Client({ connectionString: databaseUrl, application_name: 'tokenscope-import' });
  try {
    await db.connect();
  } catch (err) {
    throw new Error(`cannot connect to ${redactPassword(databaseUrl)}: ${(err as Error).message}`);
  }
  try {
    return await importRows(db, batchSize, client, progress, started);
  } finally {
    await db.end().catch(() => undefined);
  }
}

async function importRows(
  db: pg.Client,
  batchSize: number,
  client: Pick<ApiClient, 'ingest'>,
  progress: Progress | undefined,
  started: number,
): Promise<LiteLLMImportSummary> {
  const columns = new Set(
    (await db.query<{ column_name: string }>(`SELECT column_name FROM information_schema.columns WHERE table_name = 'LiteLLM_SpendLogs'`)).rows.map(
      (r) => r.column_name,
    ),
  );
  if (columns.size === 0) throw new Error(`no ${TABLE} table in that database: point --litellm at LiteLLM's DATABASE_URL`);
  const optional = OPTIONAL_COLUMNS.filter((c) => columns.has(c)).map((c) => `, ${c}`);
  const total = Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${TABLE}`)).rows[0].n);
  // startTime is a UTC timestamp without a zone: read as epoch milliseconds here, and as text for the keyset.
  const select = `SELECT request_id, call_type, api_key, prompt_tokens, completion_tokens, total_tokens,
      (extract(epoch FROM "startTime") * 1000)::float8 AS start_ms, (extract(epoch FROM "endTime") * 1000)::float8 AS end_ms,
      model, model_group, custom_llm_provider, ${METADATA}, team_id, cache_hit${optional.join('')}, "startTime"::text AS start_key
    FROM ${TABLE}`;
  const page = (after: { start: string; id: string } | null) =>
    after
      ? db.query(`${select} WHERE ("startTime", request_id) > ($1::timestamp, $2) ORDER BY "startTime", request_id LIMIT $3`, [
          after.start,
          after.id,
          batchSize,
        ])
      : db.query(`${select} ORDER BY "startTime", request_id LIMIT $1`, [batchSize]);

  const summary: LiteLLMImportSummary = { rows: 0, batches: 0, accepted: 0, duplicates: 0, rejected: 0, reasons: [], ignoredColumns: [], ms: 0, ignored: 0 };
  const rejected: RejectedRow[] = [];
  let unlisted = 0;
  let read = 0;
  // A page read or a batch sent in the background may fail before it is awaited: keep the failure, never unhandled.
  const background = <T>(work: Promise<T>): Promise<T> => {
    work.catch(() => undefined);
    return work;
  };
  let next = background(page(null));
  let sending: Promise<void> = Promise.resolve();
  for (;;) {
    const { rows } = await next;
    if (rows.length === 0) break;
    const last = rows[rows.length - 1];
    // The next page is read while this one travels.
    next = rows.length < batchSize ? Promise.resolve({ rows: [] } as never) : background(page({ start: last.start_key, id: last.request_id }));
    const events: string[] = [];
    const rowNumbers: number[] = [];
    for (const row of rows) {
      read++;
      const result = fromSpendLogRow(row);
      if ('ignore' in result) summary.ignored++;
      else if ('error' in result) {
        summary.rejected++;
        rejected.push({ line: read, reason: `${row.request_id}: ${result.error}` });
      } else {
        events.push(JSON.stringify(result.event));
        rowNumbers.push(read);
      }
    }
    await sending;
    const confirmed = read;
    sending = events.length === 0 ? Promise.resolve() : background(send(events, rowNumbers, confirmed));
  }
  await sending;
  summary.reasons = groupRejections(rejected, unlisted);
  summary.ms = performance.now() - started;
  return summary;

  async function send(events: string[], rowNumbers: number[], confirmed: number): Promise<void> {
    const result = await client.ingest(events.join('\n'));
    summary.rows += events.length;
    summary.batches++;
    summary.accepted += result.accepted;
    summary.duplicates += result.duplicates;
    summary.rejected += result.rejected_total;
    for (const r of result.rejected) rejected.push({ line: rowNumbers[r.index], reason: r.error });
    unlisted += result.rejected_total - result.rejected.length;
    progress?.update(confirmed / Math.max(1, total), `${formatNumber(confirmed)} of ${formatNumber(total)} rows`);
  }
}
