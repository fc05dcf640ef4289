import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../../../test/support/run-cli';
import { startTestServer, type TestServer } from '../../../test/support/test-server';

const T0 = Date.UTC(2026, 5, 1, 12);
const range = ['--from', String(T0), '--to', String(T0 + 3_600_000)];
// glm-5: 1,000 in × $2/1M + 100 out × $10/1M = $0.003 a call; kimi-k2.5 has no price.
const EVENTS = [
  ...Array.from({ length: 4 }, (_, i) => ({ id: `g${i}`, timestamp: T0 + i * 1000, service: 'chat', model: 'glm-5', input_tokens: 1000, output_tokens: 100 })),
  { id: 'k1', timestamp: T0 + 9000, service: 'chat', model: 'kimi-k2.5', input_tokens: 300, output_tokens: 20 },
  { id: 'k2', timestamp: T0 + 9500, service: 'chat', model: 'kimi-k2.5', input_tokens: 300, output_tokens: 20 },
];

let server: TestServer;
const dir = mkdtempSync(join(tmpdir(), 'tokenscope-prices-cli-'));
beforeAll(async () => {
  const prices = join(dir, 'prices.yaml');
  writeFileSync(prices, 'prices:\n  - model: glm-5\n    input: 2\n    output: 10\n    source: test\n    read: 2026-11-30\n');
  server = await startTestServer({ TOKENSCOPE_PRICES: prices });
  expect((await server.json('POST', '/api/v1/usage', EVENTS)).body).toMatchObject({ accepted: EVENTS.length });
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('cost on the command line', () => {
  test('top --metric cost ranks by cost in the reporting currency', async () => {
    const run = await runCli(['top', '--metric', 'cost,unpriced_tokens', ...range], { TOKENSCOPE_URL: server.url });
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('Model ranking by Cost');
    expect(run.stdout).toMatch(/Cost \(USD\)\s+Unpriced Tokens/);
    const line = (model: string) =>
      run.stdout
        .split('\n')
        .find((l) => l.includes(model))!
        .trim()
        .split(/\s{2,}/);
    expect(line('glm-5').slice(1, 4)).toEqual(['glm-5', '0.0120', '0']);
    expect(line('kimi-k2.5').slice(1, 4)).toEqual(['kimi-k2.5', '0.0000', '640']);
  });

  test('prices check lists the unpriced models and exits 2; reprice says nothing changed with the same table', async () => {
    const check = await runCli(['prices', 'check', ...range], { TOKENSCOPE_URL: server.url });
    expect(check.code).toBe(2);
    expect(check.stdout).toMatch(/kimi-k2\.5\s+640\s+2/);
    expect(check.stdout).not.toContain('glm-5');
    expect(check.stdout).toContain('1 model(s) unpriced');

    const reprice = await runCli(['reprice', ...range], { TOKENSCOPE_URL: server.url });
    expect(reprice.stderr).toBe('');
    expect(reprice.code).toBe(0);
    expect(reprice.stdout).toContain('0 of 6 calls changed; cost 0.0120 → 0.0120 USD, unpriced tokens 640 → 640');
  });

  test('prices check on a range where every model has a price exits 0', async () => {
    const check = await runCli(['prices', 'check', '--from', String(T0), '--to', String(T0 + 5000)], { TOKENSCOPE_URL: server.url });
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('every model seen has a price');
  });
});
