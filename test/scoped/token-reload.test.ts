/**
 * Tokens replaced under load: 8 clients (4 query, 4 ingest) run against a server child process while its tokens
 * file is rotated: new tokens added with `tokenscope token create` (picked up by the file watch), a broken file
 * written (kept out, the reason logged), the old tokens removed and SIGHUP sent. Every client request carries a
 * token valid both before and after the reload in progress, and none may fail; afterwards the old tokens are
 * refused, and every acknowledged event is counted once.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { runCli } from '../support/run-cli';
import { spawnServer, type ServerProcess } from '../support/server-process';

const dir = mkdtempSync(join(tmpdir(), 'tokenscope-reload-'));
const file = join(dir, 'tokens.yaml');
let server: ServerProcess | undefined;
afterAll(async () => {
  await server?.kill();
  rmSync(dir, { recursive: true, force: true });
});

const sha256 = (t: string) => createHash('sha256').update(t).digest('hex');
const entry = (name: string, token: string, roles: string) => `  - name: ${name}\n    sha256: ${sha256(token)}\n    roles: [${roles}]\n`;
const OLD = { read: 'old-read-token-00000000000000', ingest: 'old-ingest-token-000000000000' };
const ADMIN = 'admin-read-token-0000000000000';

/** Polls (no timing) until `check` holds. */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`never: ${what}`);
}

test('tokens rotated while 8 clients query and ingest: no request with a valid token fails, old tokens are refused after', { timeout: 180_000 }, async () => {
  writeFileSync(file, `tokens:\n${entry('admin', ADMIN, 'read')}${entry('old-read', OLD.read, 'read')}${entry('old-ingest', OLD.ingest, 'ingest')}`);
  server = await spawnServer(['--db', join(dir, 'tokenscope.duckdb'), '--host', '127.0.0.1'], { TOKENSCOPE_TOKENS_FILE: file });
  const url = server.url;
  const status = async (token: string, path = '/api/v1/health') => (await fetch(url + path, { headers: { authorization: `Bearer ${token}` } })).status;

  const current = { read: OLD.read, ingest: OLD.ingest };
  const failures: string[] = [];
  let acked = 0;
  let requests = 0;
  let running = true;
  const now = Date.now();
  const guarded = (client: () => Promise<void>) => client().catch((err: Error) => void failures.push(`client: ${err.message}`));
  const queryClient = async () => {
    while (running) {
      const token = current.read;
      const res = await fetch(`${url}/api/v1/query`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'ranking', dimension: 'service', from: now - 3_600_000, to: now + 60_000 }),
      });
      requests++;
      if (res.status !== 200) failures.push(`query ${res.status} ${(await res.text()).slice(0, 200)}`);
      else await res.arrayBuffer();
    }
  };
  const ingestClient = async (c: number) => {
    for (let batch = 0; running; batch++) {
      const token = current.ingest;
      const events = Array.from({ length: 50 }, (_, i) => ({
        id: `c${c}-b${batch}-${i}`,
        timestamp: now - i * 1000,
        service: `svc-${c}`,
        model: 'glm-5',
        input_tokens: 10,
        output_tokens: 1,
      }));
      const res = await fetch(`${url}/api/v1/usage`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(events),
      });
      requests++;
      const body = await res.json();
      if (res.status !== 200) failures.push(`ingest ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
      else acked += body.accepted;
    }
  };
  const clients = [0, 1, 2, 3].flatMap((c) => [guarded(queryClient), guarded(() => ingestClient(c))]);
  const waitForRequests = async (n: number) => {
    const target = requests + n;
    await until(`${n} more requests`, async () => requests >= target);
  };

  let newRead = '';
  let newIngest = '';
  const rotate = async () => {
    await waitForRequests(100);
    // 1. New tokens added with the CLI (one after the other: each rewrites the file); the file watch loads them
    // while the old ones stay valid.
    const create = async (name: string, role: string) => {
      const out = await runCli(['token', 'create', '--name', name, '--role', role, '--file', file]);
      expect(out.code, out.stderr).toBe(0);
      return out.stdout.trim();
    };
    newRead = await create('new-read', 'read');
    newIngest = await create('new-ingest', 'ingest');
    expect(readFileSync(file, 'utf8')).not.toContain(newRead);
    await until('new read token accepted', async () => (await status(newRead)) === 200);
    // An ingest token is known (403 on a read route), not unknown (401).
    await until('new ingest token accepted', async () => (await status(newIngest)) === 403);
    await waitForRequests(100);
    current.read = newRead;
    current.ingest = newIngest;
    await waitForRequests(100);

    // 2. A broken file: the tokens in force stay, the log says why without quoting secrets or hashes.
    const good = readFileSync(file, 'utf8');
    const broken = good.replace(/roles: \[\s*read\s*\]/, 'roles: [reader]');
    expect(broken).not.toBe(good);
    writeFileSync(file, broken);
    await until('broken file reported', async () => /tokens file rejected/.test(server!.output()));
    expect(server!.output()).toMatch(/"problem":"[^"]*tokens\[0\] \(admin\) roles\[0\]: must be one of ingest, read, scrape/);
    await waitForRequests(100);

    // 3. The old tokens removed, reloaded by SIGHUP (the file watch may get there first; either way they go).
    const kept = good
      .split(/(?= {2}- name: )/)
      .filter((part) => !/name: old-/.test(part))
      .join('');
    expect(kept).not.toContain(sha256(OLD.read));
    writeFileSync(file, kept);
    server!.child.kill('SIGHUP');
    await until('SIGHUP reload logged', async () => /"reason":"SIGHUP"[^\n]*"msg":"tokens reloaded"/.test(server!.output()));
    await until('old read token refused', async () => (await status(OLD.read)) === 401);
    await waitForRequests(200);
  };
  try {
    await rotate();
  } finally {
    running = false;
    await Promise.all(clients);
  }

  expect(failures).toEqual([]);
  expect(await status(OLD.read)).toBe(401);
  const oldIngest = await fetch(`${url}/api/v1/usage`, {
    method: 'POST',
    headers: { authorization: `Bearer ${OLD.ingest}`, 'content-type': 'application/json' },
    body: '[]',
  });
  expect(oldIngest.status).toBe(401);
  expect(await status(newRead)).toBe(200);
  const health = await (await fetch(`${url}/api/v1/health`, { headers: { authorization: `Bearer ${ADMIN}` } })).json();
  expect(health.events).toBe(acked);
  const log = server.output();
  for (const secret of [OLD.read, OLD.ingest, ADMIN, newRead, newIngest]) {
    expect(log).not.toContain(secret);
    expect(log).not.toContain(sha256(secret));
  }
  console.log(`token reload under load: ${requests} requests by 8 clients across 3 reloads and a rejected file, ${acked} events acknowledged, 0 failures`);
});
