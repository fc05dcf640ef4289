import { expect, test } from 'vitest';
import { groupRejections } from './import-summary';

test('rejections that differ only in the quoted value or the parser detail form one group, largest first', () => {
  const groups = groupRejections([
    { line: 9, reason: "timestamp: 'yesterday' is not RFC 3339, 'YYYY-MM-DD HH:MM:SS' or epoch milliseconds" },
    { line: 3, reason: "timestamp: '2026-13-01' is not RFC 3339, 'YYYY-MM-DD HH:MM:SS' or epoch milliseconds" },
    { line: 4, reason: 'line is not valid JSON (Unexpected token b in JSON at position 1)' },
    { line: 12, reason: "timestamp: 'noon' is not RFC 3339, 'YYYY-MM-DD HH:MM:SS' or epoch milliseconds" },
    { line: 7, reason: 'line is not valid JSON (Unexpected end of JSON input)' },
    { line: 8, reason: 'input_tokens: must be an integer >= 0' },
  ]);
  expect(groups).toEqual([
    { reason: "timestamp: '…' is not RFC 3339, 'YYYY-MM-DD HH:MM:SS' or epoch milliseconds", count: 3, lines: [3, 9, 12], example: "'2026-13-01'" },
    { reason: 'line is not valid JSON', count: 2, lines: [4, 7] },
    { reason: 'input_tokens: must be an integer >= 0', count: 1, lines: [8] },
  ]);
});

test('keeps the first five line numbers of a group and counts rejections the server did not list', () => {
  const rows = Array.from({ length: 8 }, (_, i) => ({ line: 100 - i, reason: 'model: is required' }));
  const groups = groupRejections(rows, 40);
  expect(groups[0].reason).toMatch(/not listed by the server/);
  expect(groups[0].count).toBe(40);
  expect(groups[1]).toEqual({ reason: 'model: is required', count: 8, lines: [93, 94, 95, 96, 97] });
});

test('a sample of the rejected value is short, and never a secret-looking one', () => {
  const [long] = groupRejections([{ line: 1, reason: `model: '${'x'.repeat(40)}' is not a known model` }]);
  expect(long.example).toBe(`'${'x'.repeat(24)}…'`);
  const [secret] = groupRejections([{ line: 2, reason: "api_key: 'sk-live-7f3a9c2b1e8d4f6a0b5c7d9e1f2a3b4c' is not allowed" }]);
  expect(secret.example).toBe('a secret-looking value, not shown');
  expect(JSON.stringify(secret)).not.toContain('7f3a9c2b');
});
