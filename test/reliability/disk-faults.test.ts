/**
 * A running backend whose data folder fills up, and then turns read-only: clients get a 503 with a JSON reason,
 * reads keep working, nothing acknowledged is lost, and writes work again once space returns or the folder is
 * writable again, in the same process. The folder is a small ext4 file system of its own (test/support/loop-disk.ts).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loopDiskSkipReason, makeLoopDisk, type LoopDisk } from '../support/loop-disk';
import { spawnServer, type ServerProcess } from '../support/server-process';
import { makeEvents, ndjson, sumOf, type ClientEvent } from '../support/usage-events';

const H = 3_600_000;
const from = Math.floor((Date.now() - 30 * H) / H) * H;
const span = 24 * H;
const batch = (n: number, size = 2000) => makeEvents(size, from, span, 900 + n, `disk-${n}`);

describe.skipIf(loopDiskSkipReason !== '')(`a data folder that fills up or turns read-only${loopDiskSkipReason}`, () => {
  let disk: LoopDisk;
  let server: ServerProcess;
  const stored: ClientEvent[][] = [];
  let next = 0;

  const send = async (events: ClientEvent[]) => {
    const res = await fetch(`${server.url}/api/v1/usage`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: ndjson(events) });
    return { status: res.status, body: await res.json() };
  };
  const totals = async () => {
    const res = await fetch(`${server.url}/api/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'totals', from, to: from + span, metrics: ['total_tokens', 'requests'] }),
    });
    expect(res.status).toBe(200);
    return (await res.json()).totals;
  };
  const expectTotalsOf = async (batches: ClientEvent[][]) => {
    const want = sumOf(batches.flat());
    expect(await totals()).toEqual({ total_tokens: want.total_tokens, requests: want.requests });
  };
  /** Sends fresh batches while the fault lasts: each must be refused with a 503 that says why. */
  const refusedWhileFaulty = async (reason: RegExp): Promise<ClientEvent[][]> => {
    const refused: ClientEvent[][] = [];
    for (let i = 0; i < 3; i++) {
      const events = batch(next++);
      const answer = await send(events);
      expect(answer.status, JSON.stringify(answer.body)).toBe(503);
      expect(answer.body.error.code).toBe('store_unavailable');
      expect(answer.body.error.message).toMatch(reason);
      refused.push(events);
    }
    return refused;
  };

  beforeAll(async () => {
    disk = makeLoopDisk();
    server = await spawnServer(['--db', join(disk.dir, 'tokenscope.duckdb')]);
    for (let i = 0; i < 3; i++) {
      const events = batch(next++);
      expect((await send(events)).body.accepted).toBe(events.length);
      stored.push(events);
    }
  });
  afterAll(async () => {
    await server?.kill('SIGKILL');
    disk?.remove();
  });

  test('disk nearly full: 503 with the reason, reads still answered, writes back once space returns, same process', async () => {
    disk.fill(32 * 1024);
    const refused = await refusedWhileFaulty(/could not store the events: the disk holding the database is full/);
    await expectTotalsOf(stored);
    expect((await fetch(`${server.url}/api/v1/health`)).status).toBe(200);

    disk.unfill();
    for (const events of refused) {
      expect((await send(events)).body).toMatchObject({ accepted: events.length, duplicates: 0 });
      stored.push(events);
    }
    await expectTotalsOf(stored);
    expect(server.child.exitCode).toBeNull();
  });

  test('folder turned read-only: 503 with the reason, reads still answered, writes back once writable, same process', async () => {
    disk.setReadOnly(true);
    const refused = await refusedWhileFaulty(/could not store the events: the database folder is not writable/);
    await expectTotalsOf(stored);

    disk.setReadOnly(false);
    for (const events of refused) {
      expect((await send(events)).body).toMatchObject({ accepted: events.length, duplicates: 0 });
      stored.push(events);
    }
    await expectTotalsOf(stored);
    expect(server.child.exitCode).toBeNull();
  });

  test('after it all, a SIGKILL and a restart: everything acknowledged is there once, the store opens as it is', async () => {
    await server.kill('SIGKILL');
    server = await spawnServer(['--db', join(disk.dir, 'tokenscope.duckdb')]);
    await expectTotalsOf(stored);
    // Resending every batch adds nothing.
    for (const events of stored) expect((await send(events)).body).toMatchObject({ accepted: 0, duplicates: events.length });
    await expectTotalsOf(stored);
    expect(server.output()).not.toMatch(/"level":(50|60)/);
  });
});
