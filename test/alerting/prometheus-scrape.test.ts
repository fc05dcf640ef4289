/**
 * A real Prometheus (Debian's prometheus package) on loopback scrapes a running backend every second with the
 * shipped scrape job and rules; after a burst of ingested events, Prometheus's own query API shows the increase
 * per model, and neither duplicates nor a backfill add to it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { runProgram } from '../support/run-program';
import { systemProgram } from '../support/system-program';
import { startTestServer, type TestServer } from '../support/test-server';
import { freePort } from '../support/free-port';

const PROMETHEUS_DIR = fileURLToPath(new URL('../../prometheus/', import.meta.url));
const INGEST = 'ingest-token-0123456789';
const READ = 'read-token-0123456789ab';
const SCRAPE = 'scrape-token-0123456789';
const LIVE_TOKENS = 'tokenscope_tokens_total{token_type=~"input|output"}';
const MODELS = ['glm-5', 'kimi-k2.5', 'deepseek-v4'];

const prometheusBin = systemProgram('prometheus', 'apt-get install prometheus');
const promtoolBin = systemProgram('promtool', 'apt-get install prometheus');

/** Polls `probe` until it returns a value (not undefined); fails with `what` and the last value seen. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, attempts = 240): Promise<T> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`gave up waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
}

interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

describe.skipIf(!prometheusBin.path || !promtoolBin.path)(`Prometheus scrapes the backend${prometheusBin.skipReason || promtoolBin.skipReason}`, () => {
  let backend: TestServer;
  let prometheus: ChildProcess | undefined;
  let prometheusLog = '';
  let promUrl = '';
  const dir = mkdtempSync(join(tmpdir(), 'tokenscope-prometheus-'));
  const post = (events: unknown[]) => backend.json('POST', '/api/v1/usage', events, { authorization: `Bearer ${INGEST}` });

  async function query(expr: string): Promise<VectorSample[]> {
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as { status: string; error?: string; data: { resultType: string; result: VectorSample[] } };
    if (body.status !== 'success') throw new Error(`query ${expr} failed: ${body.error}`);
    return body.data.result;
  }
  const byModel = (result: VectorSample[]) => Object.fromEntries(result.map((s) => [s.metric.model, Number(s.value[1])]));

  beforeAll(async () => {
    backend = await startTestServer({}, { TOKENSCOPE_INGEST_TOKENS: INGEST, TOKENSCOPE_READ_TOKENS: READ, TOKENSCOPE_METRICS_TOKENS: SCRAPE });
    // The shipped config, pointed at this backend, a token file of its own and a one-second scrape.
    const config = parse(readFileSync(join(PROMETHEUS_DIR, 'prometheus.yml'), 'utf8'));
    writeFileSync(join(dir, 'token'), SCRAPE, { mode: 0o600 });
    config.global = { ...config.global, scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' };
    config.rule_files = [join(PROMETHEUS_DIR, 'rules', '*.yml')];
    const job = config.scrape_configs.find((j: { job_name: string }) => j.job_name === 'tokenscope');
    job.authorization.credentials_file = join(dir, 'token');
    job.static_configs = [{ targets: [new URL(backend.url).host] }];
    writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
    const check = await runProgram(promtoolBin.path!, ['check', 'config', join(dir, 'prometheus.yml')]);
    expect(check.stdout + check.stderr, 'promtool check config').toContain('SUCCESS: 1 rule files found');
    expect(check.code).toBe(0);

    // A port picked free a moment ago may be taken by the time Prometheus binds it: try a few.
    for (let attempt = 0; attempt < 3 && !promUrl; attempt++) {
      const port = await freePort();
      const child = spawn(
        prometheusBin.path!,
        [
          `--config.file=${join(dir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${join(dir, `data-${attempt}`)}`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--log.level=warn',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child.stdout!.on('data', (c: Buffer) => (prometheusLog += c.toString()));
      child.stderr!.on('data', (c: Buffer) => (prometheusLog += c.toString()));
      let exited = false;
      child.once('exit', () => (exited = true));
      const ready = await waitFor('Prometheus to be ready', async () => {
        if (exited) return false;
        return (await fetch(`http://127.0.0.1:${port}/-/ready`)).ok ? true : undefined;
      }).catch(() => false);
      if (ready) {
        prometheus = child;
        promUrl = `http://127.0.0.1:${port}`;
      } else child.kill('SIGKILL');
    }
    if (!promUrl) throw new Error(`Prometheus did not start:\n${prometheusLog}`);
  }, 120_000);

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((r) => prometheus!.once('exit', r));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await backend?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the scrape job reaches the backend with the scrape token and the rules load', async () => {
    const target = await waitFor('the tokenscope target to be up', async () => {
      const res = (await (await fetch(`${promUrl}/api/v1/targets`)).json()) as {
        data: { activeTargets: { labels: { job: string }; health: string; lastError: string }[] };
      };
      const t = res.data.activeTargets.find((a) => a.labels.job === 'tokenscope');
      return t?.health === 'up' ? t : undefined;
    });
    expect(target.lastError).toBe('');
    const rules = await waitFor('the rules to be evaluated', async () => {
      const res = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as {
        data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] };
      };
      const all = res.data.groups.flatMap((g) => g.rules);
      return all.length && all.every((r) => r.health !== 'unknown') ? all : undefined;
    });
    expect(rules.map((r) => [r.name, r.health, r.lastError ?? ''])).toEqual([
      ['TokenscopeTokenSpike', 'ok', ''],
      ['TokenscopeApiKeyBurst', 'ok', ''],
      ['TokenscopeIngestionStopped', 'ok', ''],
      ['TokenscopeSpendOverBudget', 'ok', ''],
    ]);
  });

  test('after a burst, Prometheus shows the increase per model; duplicates and a backfill add nothing', async () => {
    // A first event per model, so every series exists before the burst.
    const warm = MODELS.map((model, i) => ({
      id: `warm-${i}`,
      timestamp: Date.now(),
      service: 'chat',
      model,
      api_key: 'team-a',
      input_tokens: 10,
      output_tokens: 1,
    }));
    expect((await post(warm)).body).toMatchObject({ accepted: 3 });
    const warmSeen = await waitFor('the warm-up events in Prometheus', async () => {
      const seen = byModel(await query(`sum by (model) (${LIVE_TOKENS})`));
      return MODELS.every((m) => seen[m] === 11) ? seen : undefined;
    });
    expect(Object.keys(warmSeen).sort()).toEqual([...MODELS].sort());

    // The instant before the burst, and a scrape after it, so the sample at that instant cannot hold the burst.
    const before = Date.now() / 1000;
    await waitFor('a scrape after the marked instant', async () => {
      const [up] = await query('timestamp(up{job="tokenscope"})');
      return up && Number(up.value[1]) > before + 0.001 ? true : undefined;
    });

    const burst = Array.from({ length: 300 }, (_, i) => ({
      id: `burst-${i}`,
      timestamp: Date.now() - (i % 30) * 1000,
      service: i % 2 ? 'chat' : 'batch',
      model: MODELS[i % 3],
      api_key: `team-${i % 4}`,
      input_tokens: 1000 + i,
      output_tokens: 100 + (i % 9),
      cache_read_tokens: i % 3 === 0 ? 500 : 0,
    }));
    const expected: Record<string, number> = {};
    for (const e of burst) expected[e.model] = (expected[e.model] ?? 0) + e.input_tokens + e.output_tokens;
    const backfill = Array.from({ length: 50 }, (_, i) => ({
      ...burst[i],
      id: `backfill-${i}`,
      timestamp: Date.now() - 3 * 3_600_000,
      input_tokens: 1_000_000,
    }));
    expect((await post(burst)).body).toMatchObject({ accepted: 300, duplicates: 0 });
    expect((await post([...warm, ...burst.slice(0, 40)])).body).toMatchObject({ accepted: 0, duplicates: 43 });
    expect((await post(backfill)).body).toMatchObject({ accepted: 50, duplicates: 0 });

    const increaseExpr = `sum by (model) (${LIVE_TOKENS}) - sum by (model) (${LIVE_TOKENS} @ ${before.toFixed(3)})`;
    const increase = await waitFor('the burst in Prometheus', async () => {
      const [dup] = await query('tokenscope_ingest_events_total{outcome="duplicate"}');
      if (!dup || Number(dup.value[1]) !== 43) return undefined;
      return byModel(await query(increaseExpr));
    });
    expect(increase).toEqual(expected);

    const requests = byModel(await query(`sum by (model) (tokenscope_requests_total) - sum by (model) (tokenscope_requests_total @ ${before.toFixed(3)})`));
    expect(requests).toEqual({ 'glm-5': 100, 'kimi-k2.5': 100, 'deepseek-v4': 100 });
    const outcomes = Object.fromEntries((await query('tokenscope_ingest_events_total')).map((s) => [s.metric.outcome, Number(s.value[1])]));
    expect(outcomes).toEqual({ accepted: 3 + 300 + 50, duplicate: 43, rejected: 0 });
    const [outside] = await query('tokenscope_live_events_outside_window_total');
    expect(Number(outside.value[1])).toBe(50);
  });
});
