/** Starting with a tokens file: alone or beside the token variables, and refused whole when it is broken. */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { loadConfig } from '../../src/server/config';
import { startTestServer } from '../support/test-server';

const dir = mkdtempSync(join(tmpdir(), 'tokenscope-tokens-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sha256 = (t: string) => createHash('sha256').update(t).digest('hex');
const FILE_READ = 'file-read-token-000000000000000';
const ENV_INGEST = 'env-ingest-token-00000000000000';

test('a tokens file alone turns auth on (and the default host to all interfaces)', () => {
  const config = loadConfig({ TOKENSCOPE_TOKENS_FILE: join(dir, 'any.yaml') });
  expect(config.authEnabled).toBe(true);
  expect(config.host).toBe('0.0.0.0');
  expect(() => loadConfig({ TOKENSCOPE_READ_TOKENS: FILE_READ })).toThrow(/or TOKENSCOPE_TOKENS_FILE/);
});

test('file tokens and environment tokens work side by side; the file scopes only its own', async () => {
  const file = join(dir, 'side-by-side.yaml');
  writeFileSync(file, `tokens:\n  - { name: team-a, sha256: ${sha256(FILE_READ)}, roles: [read], scope: { service: [team-a] } }\n`);
  const server = await startTestServer({ TOKENSCOPE_TOKENS_FILE: file, TOKENSCOPE_HOST: '127.0.0.1' }, { TOKENSCOPE_INGEST_TOKENS: ENV_INGEST });
  try {
    const now = Date.now();
    const sent = await server.json(
      'POST',
      '/api/v1/usage',
      ['team-a', 'team-b'].map((service) => ({ timestamp: now - 1000, service, model: 'm', input_tokens: 5, output_tokens: 0 })),
      { authorization: `Bearer ${ENV_INGEST}` },
    );
    expect(sent.body.accepted).toBe(2);
    const totals = await server.json(
      'POST',
      '/api/v1/query',
      { type: 'totals', from: now - 60_000, to: now, metrics: ['input_tokens'] },
      { authorization: `Bearer ${FILE_READ}` },
    );
    expect(totals.body.totals.input_tokens).toBe(5);
    expect((await server.json('GET', '/api/v1/health', undefined, { authorization: `Bearer ${ENV_INGEST}` })).status).toBe(403);
  } finally {
    await server.stop();
  }
});

test('a broken tokens file at start stops the start, naming the entry and field and masking a pasted token', async () => {
  const file = join(dir, 'broken.yaml');
  const pasted = 'tsk_Zq8vN3kR7pX2mW9cT4yB6hJ1fL5dS0gA';
  writeFileSync(
    file,
    `tokens:\n  - { name: team-a, sha256: ${sha256(FILE_READ)}, roles: [read, write] }\n  - { name: team-b, sha256: ${sha256(ENV_INGEST)}, roles: [ingest], ${pasted}: 1 }\n`,
  );
  const err = await startTestServer({ TOKENSCOPE_TOKENS_FILE: file, TOKENSCOPE_HOST: '127.0.0.1' }).catch((e: Error) => e);
  expect(err).toBeInstanceOf(Error);
  expect((err as Error).message).toMatch(
    /broken\.yaml: tokens\[0\] \(team-a\) roles\[1\]: must be one of ingest, read, scrape; tokens\[1\] \(team-b\) unknown field/,
  );
  expect((err as Error).message).not.toContain(pasted);
});
