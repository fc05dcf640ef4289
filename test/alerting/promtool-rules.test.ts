/** promtool (Debian's prometheus package) on our alert rules, their unit tests, the config and the real /metrics. */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { runProgram } from '../support/run-program';
import { systemProgram } from '../support/system-program';
import { startTestServer } from '../support/test-server';
import { makeEvents } from '../support/usage-events';

const PROMETHEUS_DIR = fileURLToPath(new URL('../../prometheus/', import.meta.url));
const RULES = join(PROMETHEUS_DIR, 'rules/tokenscope.yml');
const RULE_TESTS = readdirSync(join(PROMETHEUS_DIR, 'tests'))
  .filter((f) => f.endsWith('.yml'))
  .map((f) => join(PROMETHEUS_DIR, 'tests', f));
const promtool = systemProgram('promtool', 'apt-get install prometheus');

describe.skipIf(!promtool.path)(`promtool${promtool.skipReason}`, () => {
  const run = (args: string[], input?: string) => runProgram(promtool.path!, args, input);
  const scratch = mkdtempSync(join(tmpdir(), 'tokenscope-promtool-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  test('check rules: the four alerts parse', async () => {
    const res = await run(['check', 'rules', RULES]);
    expect(res.stderr).toBe('');
    expect(res.stdout).toContain('SUCCESS: 4 rules found');
    expect(res.code).toBe(0);
  });

  test('test rules: alerts fire on the spike, burst and stop series, and stay quiet on steady, backfill and small blips', async () => {
    expect(RULE_TESTS.length).toBeGreaterThan(0);
    const res = await run(['test', 'rules', ...RULE_TESTS]);
    expect(res.stdout + res.stderr).not.toContain('FAILED');
    expect(res.stdout).toContain('SUCCESS');
    expect(res.code).toBe(0);
  });

  test('test rules fails when the spike floor is dropped: the blip of a small model then fires', async () => {
    // The same tests against rules without the 10k tokens/min floor: promtool must report the unexpected alert.
    mkdirSync(join(scratch, 'rules'));
    mkdirSync(join(scratch, 'tests'));
    const rules = readFileSync(RULES, 'utf8');
    const withoutFloor = rules.replace('* 60 > 10000', '* 60 > 0');
    expect(withoutFloor).not.toBe(rules);
    writeFileSync(join(scratch, 'rules/tokenscope.yml'), withoutFloor);
    for (const file of RULE_TESTS) writeFileSync(join(scratch, 'tests', file.split('/').pop()!), readFileSync(file, 'utf8'));
    const res = await run(['test', 'rules', ...readdirSync(join(scratch, 'tests')).map((f) => join(scratch, 'tests', f))]);
    expect(res.code).toBe(1);
    expect(res.stdout + res.stderr).toContain('FAILED');
    expect(res.stdout + res.stderr).toContain('model="tiny-embed"');
  });

  test('check config: prometheus.yml is valid and loads the rules folder', async () => {
    const res = await run(['check', 'config', '--syntax-only', join(PROMETHEUS_DIR, 'prometheus.yml')]);
    expect(res.stdout).toContain('SUCCESS');
    expect(res.code).toBe(0);
  });

  test('check metrics: the real /metrics output of a running backend passes the linter', async () => {
    const server = await startTestServer();
    try {
      const now = Date.now();
      const ingest = await server.json('POST', '/api/v1/usage', [...makeEvents(200, now - 60_000, 60_000, 3), { service: 'x' }]);
      expect(ingest.body).toMatchObject({ accepted: 200, rejected_total: 1 });
      await server.json('GET', '/api/v1/dimensions/model/values');
      const text = await (await fetch(`${server.url}/metrics`)).text();
      expect(text).toContain('tokenscope_tokens_total{');
      expect(text).toContain('tokenscope_http_request_duration_seconds_bucket{');
      const res = await run(['check', 'metrics'], text);
      expect(res.stdout + res.stderr).toBe('');
      expect(res.code).toBe(0);
    } finally {
      await server.stop();
    }
  });
});
