import { describe, expect, test } from 'vitest';
import { protectApiKey } from '../api-keys';
import { buildTokenSet } from './token-set';
import { parseTokensFile, tokenSha256, withNewToken } from './tokens-file';

const A = 'team-a-read-token-0123456789';
const B = 'team-b-ingest-token-0123456789';
const file = `
# comments stay
tokens:
  - name: team-a-grafana
    sha256: ${tokenSha256(A)}
    roles: [read, scrape]
    scope:
      service: [team-a-*, shared-gateway]
      model_type: text_generation
  - name: team-b-gateway
    sha256: ${tokenSha256(B).toUpperCase()}
    roles: [ingest]
    service: team-b-gateway
    limits: { requests_per_second: 5 }
`;

describe('tokens file', () => {
  test('entries become principals with roles, scope, pinned service and limits', () => {
    const tokens = parseTokensFile(file);
    const set = buildTokenSet({ ingest: [], read: [], scrape: [] }, tokens);
    const a = set.identify(A)!;
    expect(a.name).toBe('team-a-grafana');
    expect([...a.roles]).toEqual(['read', 'scrape']);
    expect(a.scope).toEqual({ service: ['team-a-*', 'shared-gateway'], model_type: ['text_generation'] });
    const b = set.identify(B)!;
    // The pinned service is also the token's scope when the entry gives none.
    expect(b.scope).toEqual({ service: ['team-b-gateway'] });
    expect(b.service).toBe('team-b-gateway');
    expect(b.limits).toEqual({ requestsPerSecond: 5, bytesPerSecond: undefined });
    expect(set.identify('team-c-unknown-token-000000')).toBeNull();
  });

  test('an API key given as a secret in a scope is compared as the id it is stored under', () => {
    const secret = 'sk-proj-9f8e7d6c5b4a39281706f5e4d3c2b1a0';
    const [t] = parseTokensFile(`tokens: [{ name: k, sha256: ${tokenSha256(A)}, roles: [read], scope: { api_key: ['${secret}', 'team-*'] } }]`);
    expect(t.scope).toEqual({ api_key: [protectApiKey(secret).id, 'team-*'] });
  });

  test.each([
    ['a role that does not exist', `roles: [admin]`, /tokens\[0\] \(t\) roles\[0\]: must be one of ingest, read, scrape/],
    ['no roles', `roles: []`, /tokens\[0\] \(t\) roles: must name at least one/],
    ['an unknown dimension', `roles: [read]\n    scope: { region: [eu] }`, /tokens\[0\] \(t\) scope: unknown dimension 'region'; valid dimensions: service, /],
    ['an empty scope value', `roles: [read]\n    scope: { model: [''] }`, /tokens\[0\] \(t\) scope\.model\[0\]: must not be empty/],
    [
      'a plain token instead of its hash',
      `roles: [read]\n    token: ${A}`,
      /tokens\[0\] \(t\) unknown field 'token'.*store a token's SHA-256, never the token/,
    ],
    [
      'a pinned service outside the scope',
      `roles: [ingest]\n    service: team-b\n    scope: { service: [team-a-*] }`,
      /tokens\[0\] \(t\) service: 'team-b' is outside/,
    ],
    ['a negative limit', `roles: [read]\n    limits: { requests_per_second: -1 }`, /tokens\[0\] \(t\) limits\.requests_per_second: must be a number >= 0/],
  ])('refuses %s, naming the entry and the field', (_what, fields, message) => {
    const text = `tokens:\n  - name: t\n    sha256: ${tokenSha256(A)}\n    ${fields}\n`;
    expect(() => parseTokensFile(text)).toThrow(message);
    // Never a secret or a hash in the message.
    expect(() => parseTokensFile(text)).not.toThrow(new RegExp(`${A}|${tokenSha256(A)}`));
  });

  test('refuses a bad hash, a name or a token used twice, and YAML that does not parse, without quoting the file', () => {
    expect(() => parseTokensFile(`tokens: [{ name: t, sha256: abc, roles: [read] }]`)).toThrow(
      /tokens\[0\] \(t\) sha256: must be the SHA-256 of the token, 64 hex digits/,
    );
    const twice = `tokens:\n  - { name: t, sha256: ${tokenSha256(A)}, roles: [read] }\n  - { name: u, sha256: ${tokenSha256(A)}, roles: [ingest] }\n  - { name: t, sha256: ${tokenSha256(B)}, roles: [ingest] }`;
    expect(() => parseTokensFile(twice)).toThrow(/tokens \(u\) sha256: the same token as entry t.*tokens \(t\) name: used by two entries/);
    const broken = `tokens:\n  - name: t\n    sha256: ${tokenSha256(A)}\n   roles: [read`;
    expect(() => parseTokensFile(broken)).toThrow(/not valid YAML at line \d+, column \d+/);
    expect(() => parseTokensFile(broken)).not.toThrow(new RegExp(tokenSha256(A)));
    expect(() => parseTokensFile('tokens: 5')).toThrow(/tokens: must be a list of tokens/);
    expect(parseTokensFile('')).toEqual([]);
  });

  test('a file token that is also an environment token is refused', () => {
    expect(() => buildTokenSet({ ingest: [], read: [A], scrape: [] }, parseTokensFile(file))).toThrow(
      /tokens \(team-a-grafana\) sha256: the same token as TOKENSCOPE_READ_TOKENS\[1\]/,
    );
  });

  test('withNewToken appends an entry, keeps comments, and refuses a name already used', () => {
    const next = withNewToken(file, { name: 'team-c', sha256: tokenSha256('c'.repeat(20)), roles: ['read'], scope: { service: ['team-c-*'] } });
    expect(next).toContain('# comments stay');
    expect(parseTokensFile(next).map((t) => t.name)).toEqual(['team-a-grafana', 'team-b-gateway', 'team-c']);
    expect(() => withNewToken(file, { name: 'team-a-grafana', sha256: tokenSha256('d'.repeat(20)), roles: ['read'] })).toThrow(/used by two entries/);
    expect(parseTokensFile(withNewToken('', { name: 'first', sha256: tokenSha256(A), roles: ['ingest'] }))[0].name).toBe('first');
  });
});
