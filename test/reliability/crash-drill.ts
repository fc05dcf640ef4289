/**
 * The crash drill, for any engine: clients stream batches of events with ids to a backend child process, which
 * is killed with SIGKILL at random moments (while serving, and now and then while it opens its store) and
 * restarted, round after round. Every batch remembers whether it was acknowledged; the checks compare the
 * store, batch by batch, with what the clients were told.
 */
import type { ChildProcess } from 'node:child_process';
import { expect } from 'vitest';
import { spawnServer, type ServerProcess } from '../support/server-process';
import { makeEvents, ndjson, rng, sumOf, type ClientEvent } from '../support/usage-events';

export interface CrashBatch {
  /** Every event of a batch carries this service and model, so the store's answer for the pair is the batch's. */
  service: string;
  model: string;
  events: ClientEvent[];
  /** The server answered 200 for it. */
  acked: boolean;
}

export interface CrashDrillOptions {
  rounds: number;
  seed: number;
  /** `tokenscope serve` arguments and environment. */
  args: string[];
  env: NodeJS.ProcessEnv;
  batchSize: number;
  /** Clients sending at the same time. */
  senders: number;
  /** Events are stamped in [from, from + span). */
  from: number;
  span: number;
}

export interface CrashDrillResult {
  batches: CrashBatch[];
  kills: number;
  /** Kills that landed before the server listened (while it replayed or repaired its store). */
  killsWhileOpening: number;
  /** Restarts, each of which had to open the store without help. */
  restarts: number;
}

const SUMS = ['total_tokens', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'requests'] as const;
/** A round's batches are told apart by model in one ranking, which lists at most this many rows. */
const MAX_BATCHES_PER_ROUND = 1000;
const ANSWERED_EVERYTHING = 'answered for every event';

class UnexpectedAnswer extends Error {}

/** Runs the rounds; every restart must open the store cleanly and find every acknowledged batch. */
export async function runCrashDrill(options: CrashDrillOptions): Promise<CrashDrillResult> {
  const random = rng(options.seed);
  const result: CrashDrillResult = { batches: [], kills: 0, killsWhileOpening: 0, restarts: 0 };
  for (let round = 0; round < options.rounds; round++) {
    // Every fifth kill lands while the server opens: replaying its log, or repairing rollups.
    if (round % 5 === 4 && (await killWhileOpening(options, Math.floor(random() * 700)))) {
      result.kills++;
      result.killsWhileOpening++;
      continue;
    }
    const server = await spawnServer(options.args, options.env);
    result.restarts++;
    expect(errorLines(server), 'the store opened without errors').toEqual([]);
    await expectStoredAsAnswered(server, result.batches, options);

    let next = 0;
    const nextBatch = (): CrashBatch | null => {
      if (next >= MAX_BATCHES_PER_ROUND) return null;
      const n = next++;
      const events = makeEvents(options.batchSize, options.from, options.span, options.seed + round * 7919 + n, `crash-r${round}-b${n}`).map((e) => ({
        ...e,
        service: `crash-r${round}`,
        model: `b${n}`,
      }));
      const batch: CrashBatch = { service: `crash-r${round}`, model: `b${n}`, events, acked: false };
      result.batches.push(batch);
      return batch;
    };
    const streams = Array.from({ length: options.senders }, () => stream(server, nextBatch));
    await new Promise((resolve) => setTimeout(resolve, 50 + Math.floor(random() * 1200)));
    await server.kill('SIGKILL');
    result.kills++;
    await Promise.all(streams);
  }
  return result;
}

/** Spawns a server and kills it `delayMs` later; true when the kill came before it listened. */
async function killWhileOpening(options: CrashDrillOptions, delayMs: number): Promise<boolean> {
  let child: ChildProcess | undefined;
  const started = spawnServer(options.args, options.env, (c) => (child = c));
  const exited = new Promise((resolve) => child!.once('exit', resolve));
  const timer = setTimeout(() => child!.kill('SIGKILL'), delayMs);
  const server = await started.catch(() => null);
  if (server) {
    // It was quicker than the kill: let the kill land anyway, a moment after it began to listen.
    await exited;
    clearTimeout(timer);
    return false;
  }
  await exited;
  return true;
}

/** Sends batches until the server dies; a batch counts as acknowledged only when its 200 arrived in full. */
async function stream(server: ServerProcess, nextBatch: () => CrashBatch | null): Promise<void> {
  for (let batch = nextBatch(); batch; batch = nextBatch()) {
    try {
      const res = await fetch(`${server.url}/api/v1/usage`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: ndjson(batch.events),
      });
      const body = (await res.json()) as { accepted: number; duplicates: number };
      if (res.status !== 200 || body.accepted + body.duplicates !== batch.events.length) {
        throw new UnexpectedAnswer(`a live server answered ${res.status} ${JSON.stringify(body).slice(0, 300)}; expected 200 ${ANSWERED_EVERYTHING}`);
      }
      batch.acked = true;
    } catch (err) {
      if (err instanceof UnexpectedAnswer) throw err;
      return; // the server died under it: this batch stays unacknowledged
    }
  }
}

/** Log lines at error level or above. */
export function errorLines(server: ServerProcess): string[] {
  return server
    .output()
    .split('\n')
    .filter((line) => /"level":(50|60)/.test(line));
}

const post = async (server: ServerProcess, path: string, body: unknown) => {
  const res = await fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await res.json();
  expect(res.status, JSON.stringify(json).slice(0, 300)).toBe(200);
  return json;
};

/**
 * The store against the clients' view, batch by batch: an acknowledged batch is there exactly once (its sums,
 * not twice them); a batch cut off by a kill is there whole or not at all. Returns how many cut-off batches
 * were stored all the same (committed just before the kill, the answer lost).
 */
export async function expectStoredAsAnswered(
  server: ServerProcess,
  batches: readonly CrashBatch[],
  options: Pick<CrashDrillOptions, 'from' | 'span'>,
): Promise<number> {
  const byService = new Map<string, CrashBatch[]>();
  for (const b of batches) byService.set(b.service, [...(byService.get(b.service) ?? []), b]);
  const wrong: string[] = [];
  let cutButStored = 0;
  for (const [service, list] of byService) {
    const ranking = await post(server, '/api/v1/query', {
      type: 'ranking',
      dimension: 'model',
      from: options.from,
      to: options.from + options.span,
      metrics: SUMS,
      filters: { service: [service] },
      limit: MAX_BATCHES_PER_ROUND,
    });
    const stored = new Map<string, Record<string, number>>(ranking.rows.map((r: { key: string; metrics: Record<string, number> }) => [r.key, r.metrics]));
    for (const b of list) {
      const want = Object.fromEntries(SUMS.map((m) => [m, sumOf(b.events)[m]]));
      const got = stored.get(b.model);
      stored.delete(b.model);
      const whole = got !== undefined && SUMS.every((m) => got[m] === want[m]);
      if (b.acked && !whole) wrong.push(`${service}/${b.model} acknowledged: stored ${JSON.stringify(got)}, sent ${JSON.stringify(want)}`);
      if (!b.acked && got !== undefined && !whole)
        wrong.push(`${service}/${b.model} cut off: stored in part ${JSON.stringify(got)} of ${JSON.stringify(want)}`);
      if (!b.acked && whole) cutButStored++;
    }
    for (const model of stored.keys()) wrong.push(`${service}/${model}: stored, but never sent`);
  }
  expect(wrong).toEqual([]);
  return cutButStored;
}

/** Sends the unacknowledged batches again: each must be stored whole once, as new or as duplicates. */
export async function resendCutOff(server: ServerProcess, batches: CrashBatch[]): Promise<{ resent: number; alreadyStored: number }> {
  let alreadyStored = 0;
  const cut = batches.filter((b) => !b.acked);
  for (const b of cut) {
    const answer = await post(server, '/api/v1/usage', b.events);
    // All or nothing: a batch is committed in one transaction, so its events are all new or all duplicates.
    expect(
      [answer.accepted, answer.duplicates].sort((x, y) => x - y),
      `${b.service}/${b.model}`,
    ).toEqual([0, b.events.length]);
    if (answer.duplicates) alreadyStored++;
    b.acked = true;
  }
  return { resent: cut.length, alreadyStored };
}

/** Totals over the drill's range must equal the plain sums of every batch sent. */
export async function expectExactTotals(
  server: ServerProcess,
  batches: readonly CrashBatch[],
  options: Pick<CrashDrillOptions, 'from' | 'span'>,
): Promise<void> {
  const totals = await post(server, '/api/v1/query', { type: 'totals', from: options.from, to: options.from + options.span, metrics: SUMS });
  const all = sumOf(batches.flatMap((b) => b.events));
  expect(totals.totals).toEqual(Object.fromEntries(SUMS.map((m) => [m, all[m]])));
}
