import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../../../test/support/run-cli';
import { startTestServer, type TestServer } from '../../../test/support/test-server';
import { demoEvents, type DemoEvent } from '../demo/demo-traffic';
import { toStoredEvent } from '../ingest/event-schema';
import { createApiClient } from './api-client';
import { formatImportSummary, runImport } from './import';

const FROM = Date.UTC(2026, 3, 7, 8);
const HOUR = 3_600_000;
const dir = mkdtempSync(join(tmpdir(), 'tokenscope-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The server's own reason for an invalid event. */
const reasonFor = (event: unknown) => {
  const result = toStoredEvent(event);
  if (!('error' in result)) throw new Error('expected an invalid event');
  return result.error;
};

const sums = (events: DemoEvent[]) => ({
  requests: events.length,
  input_tokens: events.reduce((n, e) => n + e.input_tokens, 0),
  output_tokens: events.reduce((n, e) => n + e.output_tokens, 0),
  cache_read_tokens: events.reduce((n, e) => n + e.cache_read_tokens, 0),
});

async function totals(server: TestServer, from: number, to: number) {
  const res = await server.json('POST', '/api/v1/query', {
    type: 'totals',
    from,
    to,
    metrics: ['requests', 'input_tokens', 'output_tokens', 'cache_read_tokens'],
  });
  expect(res.status).toBe(200);
  return res.body.totals;
}

describe('import against a running server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  test('an NDJSON file: accepted, duplicates, and rejected rows grouped by reason with their line numbers', async () => {
    const valid = [...demoEvents({ from: FROM, to: FROM + HOUR })].slice(0, 300);
    const negative = { ...valid[0], id: 'neg', input_tokens: -5, cache_read_tokens: 0, cache_write_tokens: 0 };
    const fraction = { ...valid[1], id: 'frac', input_tokens: 1.5, cache_read_tokens: 0, cache_write_tokens: 0 };
    const { model: _model, ...noModel } = { ...valid[2], id: 'nomodel' };
    const lines: string[] = valid.map((e) => JSON.stringify(e));
    // Bad rows spread over several batches of 100; line numbers are 1-based.
    lines.splice(40, 0, JSON.stringify(negative)); // line 41
    lines.splice(120, 0, '{"timestamp": oops'); // line 121
    lines.splice(150, 0, ''); // line 151, blank: skipped
    lines.splice(230, 0, JSON.stringify(fraction)); // line 231
    lines.splice(260, 0, JSON.stringify(noModel)); // line 261
    lines.push(JSON.stringify(valid[5])); // a duplicate id
    const file = join(dir, 'events.ndjson');
    writeFileSync(file, lines.join('\n') + '\n');

    const run = await runCli(['import', file, '--batch-size', '100'], { TOKENSCOPE_URL: server.url });
    expect(run.stderr).toMatch(/^(importing: \d+% \([\d,]+ rows\)\n)+$/);
    expect(run.code).toBe(2);
    const count = (label: string) => Number(new RegExp(`${label}\\s+([\\d,]+)`).exec(run.stdout)![1].replace(/,/g, ''));
    expect(count('accepted')).toBe(300);
    expect(count('duplicates')).toBe(1);
    expect(count('rejected')).toBe(4);
    expect(run.stdout).toContain(`2 × ${reasonFor(negative)} (lines 41, 231)`);
    expect(run.stdout).toContain(`1 × ${reasonFor(noModel)} (line 261)`);
    expect(run.stdout).toMatch(/1 × line is not valid JSON \(line 121\)/);
    expect(await totals(server, FROM, FROM + HOUR)).toEqual(sums(valid));
  });

  test('a CSV file with a column mapping: numbers converted, empty cells left out, unreadable rows counted', async () => {
    const from = FROM + 2 * HOUR;
    const valid = [...demoEvents({ from, to: from + HOUR })].slice(0, 60);
    const header = 'time,svc,model,kind,key,prompt,completion,cached,request_id,latency,note';
    const row = (e: DemoEvent, overrides: Partial<Record<string, string>> = {}) => {
      const cells: Record<string, string> = {
        time: new Date(e.timestamp).toISOString().replace('T', ' ').replace('Z', ''),
        svc: e.service,
        model: e.model,
        kind: e.model_type,
        key: e.api_key,
        prompt: String(e.input_tokens),
        completion: String(e.output_tokens),
        cached: e.cache_read_tokens ? String(e.cache_read_tokens) : '',
        request_id: e.id,
        latency: String(e.duration_ms),
        note: '"free text, ignored"',
        ...overrides,
      };
      return header
        .split(',')
        .map((c) => cells[c])
        .join(',');
    };
    const rows = valid.map((e, i) => row(e, i % 7 === 0 ? { key: '' } : {}));
    rows.splice(10, 0, row(valid[0], { request_id: 'bad-prompt', prompt: 'many' })); // line 12
    rows.splice(20, 0, row(valid[1], { request_id: 'no-model', model: '' })); // line 22
    rows.splice(30, 0, `${row(valid[2], { request_id: 'extra' })},surplus`); // line 32: one cell too many
    const file = join(dir, 'usage.csv');
    writeFileSync(file, [header, ...rows].join('\r\n') + '\r\n');

    const map = [
      'timestamp=time,service=svc,model_type=kind,api_key=key',
      'input_tokens=prompt,output_tokens=completion,cache_read_tokens=cached,id=request_id,duration_ms=latency',
    ];
    const summary = await runImport(file, { map, batchSize: 25 }, createApiClient(server.url));
    expect(summary).toMatchObject({ rows: 62, batches: 3, accepted: 60, duplicates: 0, rejected: 3, ignoredColumns: ['note'] });
    const reasons = Object.fromEntries(summary.reasons.map((r) => [r.reason, r.lines]));
    expect(reasons[reasonFor({ ...valid[0], input_tokens: 'many' })]).toEqual([12]);
    expect(reasons[reasonFor({ ...valid[1], model: undefined })]).toEqual([22]);
    expect(summary.reasons.find((r) => r.reason.startsWith('CSV:'))?.lines).toEqual([32]);
    expect(formatImportSummary(file, summary)).toContain('ignored columns: note');

    expect(await totals(server, from, from + HOUR)).toEqual(sums(valid));
    const keys = await server.json('GET', `/api/v1/dimensions/api_key/values?from=${from}&to=${from + HOUR}`);
    expect(keys.body.values.map((v: { value: string }) => v.value)).toContain('unknown');
  });

  test('a mapping that names a missing column fails before sending anything', async () => {
    const file = join(dir, 'small.csv');
    writeFileSync(file, 'timestamp,service,model,input_tokens,output_tokens\n2026-04-07 08:00:00,a,b,1,2\n');
    const run = await runCli(['import', file, '--map', 'input_tokens=prompt_tokens'], { TOKENSCOPE_URL: server.url });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "column 'prompt_tokens' (for input_tokens) not in the CSV header; columns: timestamp, service, model, input_tokens, output_tokens",
    );
    expect(await totals(server, Date.UTC(2026, 3, 7), Date.UTC(2026, 3, 8))).toMatchObject({ requests: 360 });
  });

  test('a CSV without columns for required fields stops before sending and says which fields to map', async () => {
    const file = join(dir, 'unmapped.csv');
    writeFileSync(file, 'time,service,model,prompt_tokens,completion_tokens\n2026-04-07 09:00:00,a,b,1,2\n');
    const before = await totals(server, Date.UTC(2026, 3, 7), Date.UTC(2026, 3, 8));
    const run = await runCli(['import', file], { TOKENSCOPE_URL: server.url });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'the CSV has no column for timestamp, input_tokens, output_tokens; name the columns with --map, e.g. --map timestamp=<column>,input_tokens=<column>,output_tokens=<column> (columns: time, service, model, prompt_tokens, completion_tokens)',
    );
    expect(await totals(server, Date.UTC(2026, 3, 7), Date.UTC(2026, 3, 8))).toEqual(before);
  });
});

describe('import with auth on', () => {
  const ingestToken = 'ingest-token-0123456789abcdef';
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({}, { TOKENSCOPE_INGEST_TOKENS: ingestToken, TOKENSCOPE_READ_TOKENS: 'read-token-0123456789abcdef' });
  });
  afterAll(() => server.stop());

  test('takes the token from TOKENSCOPE_TOKEN and prints the server message without one', async () => {
    const file = join(dir, 'auth.ndjson');
    const events = [...demoEvents({ from: FROM, to: FROM + HOUR })].slice(0, 20);
    writeFileSync(file, events.map((e) => JSON.stringify(e)).join('\n'));

    const refused = await runCli(['import', file, '--url', server.url]);
    const direct = await server.json('POST', '/api/v1/usage', '', { 'content-type': 'application/x-ndjson' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(direct.body.error.message);
    expect(refused.stderr).toContain('TOKENSCOPE_TOKEN');

    const run = await runCli(['import', file, '--url', server.url], { TOKENSCOPE_TOKEN: ingestToken });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/accepted\s+20\n/);
    expect(run.stdout + run.stderr).not.toContain(ingestToken);
  });
});
