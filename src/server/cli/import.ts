/**
 * `tokenscope import FILE`: sends an NDJSON or CSV file to a running backend as NDJSON batches, then sums up
 * what was accepted, what was a duplicate and why rows were rejected (reasons grouped, with line numbers).
 */
import { createReadStream, statSync, type ReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse, type CsvError } from 'csv-parse';
import { InvalidArgumentError, type Command } from 'commander';
import { apiClientFromEnv, type ApiClient } from './api-client';
import { parseMapping, planColumns, rowToEvent } from './csv-mapping';
import { formatNumber } from './format';
import { createProgress, type Progress } from './progress';
import { parseWholeNumber } from './query-options';
import { groupRejections, type ImportSummary, type RejectedRow } from './import-summary';
import { runLiteLLMImport } from './import-litellm';

export interface ImportOptions {
  format?: string;
  map?: string[];
  url?: string;
  batchSize?: number;
  litellm?: string;
}

/** One row of the file, ready to send: its NDJSON line, or why it could not be read. */
type Row = ({ json: string } | { error: string }) & { line: number; /** Bytes of the file read up to the end of this row. */ offset: number };

const DEFAULT_BATCH_SIZE = 5000;
/** A batch is also cut at this size, well under the server's default body limit (32 MiB). */
const MAX_BATCH_BYTES = 8 * 1024 * 1024;

export function registerImport(program: Command): void {
  program
    .command('import')
    .description("send a file of usage events (NDJSON or CSV), or LiteLLM's spend logs, to a running backend")
    .argument('[file]', 'NDJSON (one event per line, native or {provider, usage, …}) or CSV with a header row')
    .option(
      '--litellm <postgres-url>',
      "instead of a file: LiteLLM's database (its DATABASE_URL); reads LiteLLM_SpendLogs in time order, a rerun adds nothing twice",
    )
    .option('--format <format>', 'ndjson or csv (default: from the file name, .csv is CSV)', (v: string) => {
      if (v !== 'ndjson' && v !== 'csv') throw new InvalidArgumentError(`'${v}' is not ndjson or csv`);
      return v;
    })
    .option(
      '--map <field=column,…>',
      'CSV: the column of each event field, e.g. timestamp=time,input_tokens=prompt (columns named like fields are taken as they are)',
      (v: string, all: string[] = []) => [...all, v],
    )
    .option('--url <url>', 'backend URL (TOKENSCOPE_URL, default http://127.0.0.1:8080); the ingest token comes from TOKENSCOPE_TOKEN')
    .option('--batch-size <n>', `events per request (default ${DEFAULT_BATCH_SIZE})`, parseWholeNumber)
    .action(async (file: string | undefined, options: ImportOptions) => {
      if ((file === undefined) === (options.litellm === undefined)) throw new InvalidArgumentError('give a file, or --litellm postgres://… (not both)');
      const progress = createProgress('importing');
      let summary: ImportSummary;
      try {
        summary = options.litellm
          ? await runLiteLLMImport(options.litellm, options, apiClientFromEnv(options.url), progress)
          : await runImport(file!, options, apiClientFromEnv(options.url), progress);
      } finally {
        progress.stop();
      }
      console.log(formatImportSummary(options.litellm ? 'LiteLLM_SpendLogs' : file!, summary));
      if ('ignored' in summary) console.log(`  ignored     ${formatNumber(summary.ignored as number)} (failed calls and LiteLLM cache hits: no model usage)`);
      // 2: the file went through, but some rows were rejected (scripts can tell this from a failure, 1).
      if (summary.rejected > 0) process.exitCode = 2;
    });
}

export async function runImport(file: string, options: ImportOptions, client: ApiClient, progress?: Progress): Promise<ImportSummary> {
  const format = options.format ?? (/\.csv$/i.test(file) ? 'csv' : 'ndjson');
  if (format === 'ndjson' && (options.map ?? []).length > 0) throw new Error('--map applies to CSV files only');
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (batchSize < 1) throw new Error('--batch-size must be at least 1');
  let size: number;
  try {
    size = statSync(file).size;
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const started = performance.now();
  const stream = createReadStream(file);
  const summary: ImportSummary = { rows: 0, batches: 0, accepted: 0, duplicates: 0, rejected: 0, reasons: [], ignoredColumns: [], ms: 0 };
  const rejected: RejectedRow[] = [];
  let unlisted = 0;

  let batch: { lines: number[]; json: string[]; offset: number } = { lines: [], json: [], offset: 0 };
  let batchBytes = 0;
  let confirmedRows = 0;
  // One batch travels while the next is read; a failure is kept and raised at the next wait, so it is never unhandled.
  let inFlight: Promise<void> = Promise.resolve();
  let failure: Error | undefined;
  const settle = async () => {
    await inFlight;
    if (failure) throw failure;
  };
  const send = async (b: typeof batch) => {
    const result = await client.ingest(b.json.join('\n'));
    confirmedRows += b.json.length;
    summary.batches++;
    summary.accepted += result.accepted;
    summary.duplicates += result.duplicates;
    summary.rejected += result.rejected_total;
    for (const r of result.rejected) rejected.push({ line: b.lines[r.index], reason: r.error });
    unlisted += result.rejected_total - result.rejected.length;
    progress?.update(b.offset / Math.max(1, size), `${formatNumber(confirmedRows)} rows`);
  };
  const flush = async () => {
    if (batch.json.length === 0) return;
    const full = batch;
    batch = { lines: [], json: [], offset: 0 };
    batchBytes = 0;
    await settle();
    inFlight = send(full).catch((err: Error) => {
      failure = new Error(`${err.message} (stopped after ${formatNumber(confirmedRows)} rows were stored or answered; the ones accepted stay stored)`);
    });
  };

  const rows = format === 'csv' ? csvRows(stream, parseMapping(options.map ?? []), summary) : ndjsonRows(stream);
  for await (const row of rows) {
    if ('error' in row) {
      summary.rejected++;
      rejected.push({ line: row.line, reason: row.error });
      continue;
    }
    summary.rows++;
    batch.lines.push(row.line);
    batch.json.push(row.json);
    batch.offset = row.offset;
    batchBytes += row.json.length + 1;
    if (batch.json.length >= batchSize || batchBytes >= MAX_BATCH_BYTES) await flush();
  }
  await flush();
  await settle();
  summary.reasons = groupRejections(rejected, unlisted);
  summary.ms = performance.now() - started;
  return summary;
}

/** Non-blank lines, passed through as they are: the server parses and validates them. */
async function* ndjsonRows(stream: ReadStream): AsyncGenerator<Row> {
  let line = 0;
  let offset = 0;
  for await (const text of createInterface({ input: stream, crlfDelay: Infinity })) {
    line++;
    offset += Buffer.byteLength(text) + 1;
    if (text.trim() !== '') yield { line, offset, json: text };
  }
}

async function* csvRows(stream: ReadStream, mapping: Map<string, string>, summary: ImportSummary): AsyncGenerator<Row> {
  const unreadable: Row[] = [];
  const parser = stream.pipe(
    parse({
      columns: true,
      bom: true,
      info: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      on_skip: (err: CsvError | undefined) => {
        if (err)
          unreadable.push({
            line: Number((err as { lines?: number }).lines ?? 0),
            offset: parser.info.bytes,
            error: `CSV: ${err.message.replace(/\s+(on|at) line \d+.*$/, '')}`,
          });
        return undefined;
      },
    }),
  );
  let plan: ReturnType<typeof planColumns> | undefined;
  for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number; bytes: number } }>) {
    if (!plan) {
      plan = planColumns(Object.keys(record), mapping);
      summary.ignoredColumns = plan.ignored;
    }
    yield* unreadable.splice(0);
    yield { line: info.lines, offset: info.bytes, json: JSON.stringify(rowToEvent(record, plan)) };
  }
  yield* unreadable.splice(0);
}

export function formatImportSummary(file: string, s: ImportSummary): string {
  const lines = [
    `sent ${formatNumber(s.rows)} rows of ${file} in ${formatNumber(s.batches)} batch${s.batches === 1 ? '' : 'es'} (${(s.ms / 1000).toFixed(1)} s)`,
  ];
  if (s.ignoredColumns.length > 0) lines.push(`ignored columns: ${s.ignoredColumns.join(', ')} (map them with --map field=column)`);
  const width = formatNumber(Math.max(s.accepted, s.duplicates, s.rejected)).length;
  lines.push(`  accepted    ${formatNumber(s.accepted).padStart(width)}`);
  lines.push(`  duplicates  ${formatNumber(s.duplicates).padStart(width)}`);
  lines.push(`  rejected    ${formatNumber(s.rejected).padStart(width)}`);
  for (const r of s.reasons) {
    const where = r.lines.length ? ` (line${r.lines.length > 1 ? 's' : ''} ${r.lines.join(', ')}${r.count > r.lines.length ? ', …' : ''})` : '';
    const example = r.example ? ` e.g. ${r.example}` : '';
    lines.push(`    ${formatNumber(r.count).padStart(width)} × ${r.reason}${example}${where}`);
  }
  return lines.join('\n');
}
