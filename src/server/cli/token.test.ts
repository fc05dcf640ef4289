import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { runCli } from '../../../test/support/run-cli';
import { parseTokensFile } from '../tokens/tokens-file';

const dir = mkdtempSync(join(tmpdir(), 'tokenscope-token-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('token create prints a new token once, stores only its hash with roles and scope, and refuses a name used twice', { timeout: 60_000 }, async () => {
  const file = join(dir, 'tokens.yaml');
  const created = await runCli(
    ['token', 'create', '--name', 'team-a-grafana', '--role', 'read,scrape', '--scope', 'service=team-a-*,shared', '--scope', 'model_type=text_generation'],
    {
      TOKENSCOPE_TOKENS_FILE: file,
    },
  );
  expect(created.code, created.stderr).toBe(0);
  const token = created.stdout.trim();
  expect(token).toMatch(/^tsk_[\w-]{43}$/);
  const text = readFileSync(file, 'utf8');
  expect(text).not.toContain(token);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  const [entry] = parseTokensFile(text);
  expect(entry.sha256.toString('hex')).toBe(createHash('sha256').update(token).digest('hex'));
  expect(entry).toMatchObject({
    name: 'team-a-grafana',
    roles: ['read', 'scrape'],
    scope: { service: ['team-a-*', 'shared'], model_type: ['text_generation'] },
  });

  const again = await runCli(['token', 'create', '--name', 'team-a-grafana', '--role', 'ingest', '--file', file]);
  expect(again.code).toBe(1);
  expect(again.stderr).toMatch(/name: used by two entries; names must be unique; nothing written/);
  expect(again.stdout).toBe('');
  expect(readFileSync(file, 'utf8')).toBe(text);

  const badRole = await runCli(['token', 'create', '--name', 'x', '--role', 'admin', '--file', file]);
  expect(badRole.code).not.toBe(0);
  expect(badRole.stderr).toMatch(/'admin' is not a role; roles: ingest, read, scrape/);
});
