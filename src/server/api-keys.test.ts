import { expect, test } from 'vitest';
import { maskSecrets } from './api-keys';

test('maskSecrets masks secret-looking words wherever a message quotes them, and leaves the rest alone', () => {
  expect(maskSecrets('no route GET /api/v1/keys/sk-live-7f3a9c2b1e8d4f6a0b5c7d9e1f2a3b4c; see /api/v1/openapi.json')).toBe(
    'no route GET /api/v1/keys/sk-…3b4c; see /api/v1/openapi.json',
  );
  expect(maskSecrets("unknown dimension 'Bearer sk-proj-Zx81kQ0pLm2nBv5cXr7tYu9wQe3R'")).toBe("unknown dimension 'sk-…Qe3R'");
  expect(maskSecrets('key 3f9a8c7b6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a here')).toBe('key …2f1a here');
  for (const plain of [
    "metrics[0]: unknown metric 'total_tokens_per_minute'; valid metrics: total_tokens, input_tokens",
    'from: must be epoch milliseconds from -9007199254740991 to 9007199254740991',
    'could not store the events: Could not write file "/tmp/tokenscope-disk-wnbCP6/mnt/tokenscope.duckdb"',
    "unknown filter 'team-search-production'",
  ]) {
    expect(maskSecrets(plain)).toBe(plain);
  }
});
