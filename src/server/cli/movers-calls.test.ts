import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../../../test/support/run-cli';
import { startTestServer, type TestServer } from '../../../test/support/test-server';
import { SECRET_KEY, ndjson, type ClientEvent } from '../../../test/support/usage-events';

const H = 3_600_000;
const FROM = Date.UTC(2026, 4, 20, 0);
const TO = FROM + 24 * H;

const call = (api_key: string, at: number, input_tokens: number, extra: Partial<ClientEvent> = {}): ClientEvent => ({
  timestamp: at,
  service: 'chat',
  model: 'glm-5',
  api_key,
  input_tokens,
  output_tokens: 0,
  ...extra,
});

/** Per key, the day before and the day: team-a 100 → 400, the secret key 0 → 900 (new), team-b 500 → 0 (vanished). */
const EVENTS = [
  call('team-a', FROM - 10 * H, 100),
  call('team-a', FROM + H, 400, { id: 'req-a', trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7', duration_ms: 1200 }),
  call(SECRET_KEY, FROM + 2 * H, 900, { id: 'req-s' }),
  call('team-b', FROM - H, 500),
];

/** Table rows as printed: cells split on runs of two or more spaces; header and rules left out. */
function tableRows(output: string): string[][] {
  const lines = output.split('\n');
  const rule = lines.findIndex((l) => l.startsWith('─'));
  return lines
    .slice(rule + 1)
    .filter((l) => l.trim() !== '' && !l.startsWith('─') && !l.startsWith('note:'))
    .map((l) => l.trim().split(/\s{2,}/));
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  const res = await server.json('POST', '/api/v1/usage', ndjson(EVENTS), { 'content-type': 'application/x-ndjson' });
  expect(res.body).toMatchObject({ accepted: EVENTS.length });
});
afterAll(() => server.stop());

const range = ['--from', new Date(FROM).toISOString(), '--to', String(TO)];

describe('tokenscope movers', () => {
  test('prints each key now and before, largest change first, new and vanished flagged, secret keys masked', async () => {
    const run = await runCli(['movers', '--by', 'api_key', ...range], { TOKENSCOPE_URL: server.url });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('API Key movers by Total Tokens, 2026-05-20 00:00 → 2026-05-21 00:00 against 2026-05-19 00:00 → 2026-05-20 00:00 UTC');
    const rows = tableRows(run.stdout);
    expect(rows[0]).toEqual(['1', expect.stringMatching(/^sk-…[0-9a-f]{4}$/), '900', '0', '+900', 'new', 'new']);
    expect(rows.slice(1)).toEqual([
      ['2', 'team-b', '0', '500', '-500', '-100.0%', 'vanished'],
      ['3', 'team-a', '400', '100', '+300', '+300.0%'],
      ['total', '1,300', '600', '+700', '+116.7%'],
    ]);
    expect(run.stdout).not.toContain(SECRET_KEY);
  });

  test('--offset compares with a range further back', async () => {
    const run = await runCli(['movers', '--by', 'api_key', '--offset', '7d', ...range], { TOKENSCOPE_URL: server.url });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('against 2026-05-13 00:00 → 2026-05-14 00:00 UTC');
  });
});

describe('tokenscope calls', () => {
  test('prints the largest calls with their ids, and says when the range reaches before the raw events', async () => {
    const run = await runCli(['calls', '--limit', '2', ...range], { TOKENSCOPE_URL: server.url });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const rows = tableRows(run.stdout);
    expect(rows).toEqual([
      [new Date(FROM + 2 * H).toISOString(), 'chat', 'glm-5', expect.stringMatching(/^sk-…/), '900', '900', '0', '–', 'req-s', '–'],
      [new Date(FROM + H).toISOString(), 'chat', 'glm-5', 'team-a', '400', '400', '0', '1,200', 'req-a', '4bf92f3577b34da6a3ce929d0e0e4736'],
    ]);
    expect(run.stdout).not.toContain('note:');
    const early = await runCli(['calls', '--from', new Date(FROM - 48 * H).toISOString(), '--to', String(TO)], { TOKENSCOPE_URL: server.url });
    expect(early.stdout).toContain(`note: the range starts before the earliest raw event kept (${new Date(FROM - 10 * H).toISOString()})`);
  });

  test('a bad order is refused with the valid ones', async () => {
    const run = await runCli(['calls', '--order-by', 'vibes', ...range], { TOKENSCOPE_URL: server.url });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("orderBy: unknown call order 'vibes'; valid orders: total_tokens");
  });
});
