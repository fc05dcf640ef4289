import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, expect, test } from 'vitest';
import { collectOutput, startCli } from '../../../test/support/run-cli';

const dir = mkdtempSync(join(tmpdir(), 'tokenscope-demo-'));
const db = join(dir, 'demo.duckdb');
const running: ChildProcess[] = [];
afterAll(() => {
  for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const count = (text: string) => Number(text.replace(/,/g, ''));

async function startDemo() {
  const child = startCli(['demo', '--days', '0.05', '--events-per-minute', '120', '--port', '0', '--db', db], { TOKENSCOPE_LOG_LEVEL: 'warn' });
  running.push(child);
  const stderr = collectOutput(child, 'stderr');
  const seeded = await stderr.waitFor(/seeded ([\d,]+) events over 0\.05 days in [\d.]+ s \([\d,]+ events\/s; ([\d,]+) new, ([\d,]+) already stored\)/);
  const url = (await stderr.waitFor(/demo running at (http:\/\/\S+)/))[1];
  const listening = Date.now();
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, stderr, url, listening, exited, events: count(seeded[1]), fresh: count(seeded[2]), stored: count(seeded[3]) };
}

const getJson = async (url: string, init?: RequestInit) => (await fetch(url, init)).json();
const requestsSince = async (url: string, from: number) =>
  (
    await getJson(`${url}/api/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'totals', from, to: Date.now() + 60_000, metrics: ['requests'] }),
    })
  ).totals.requests as number;

test('demo seeds the store, serves it, keeps live events coming, and restarts on the same file without double counting', async () => {
  const first = await startDemo();
  expect(first.stderr.text()).toContain('seeding 0.05 days: 100%');
  expect(first.events).toBeGreaterThan(1000);
  expect(first.fresh).toBe(first.events);
  expect((await getJson(`${first.url}/api/v1/health`)).events).toBeGreaterThanOrEqual(first.events);
  expect(await requestsSince(first.url, Date.now() - 3_600_000)).toBeGreaterThan(0);

  // The trickle: events stamped after the server started listening can only come from it.
  while ((await requestsSince(first.url, first.listening)) === 0) await sleep(1000);

  first.child.kill('SIGTERM');
  expect(await first.exited).toBe(0);

  const second = await startDemo();
  expect(second.fresh + second.stored).toBe(second.events);
  // Most of the window was seeded by the first run (and its trickle): those events are recognised by their ids.
  expect(second.stored).toBeGreaterThan(second.events / 2);
  second.child.kill('SIGTERM');
  expect(await second.exited).toBe(0);
});
