/** The README's attribute table and the code's table name the same attributes, field by field. */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { USAGE_ATTRIBUTES, type UsageField } from './usage-attributes';

const FIELD_COLUMN: Record<UsageField, string> = {
  input: 'input_tokens',
  output: 'output_tokens',
  cacheRead: 'cache_read_tokens',
  cacheWrite: 'cache_write_tokens',
  reasoning: 'reasoning_tokens',
};

test('every attribute in usage-attributes.ts is in the README row of its field, in the same order, and no other', () => {
  const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
  for (const [field, column] of Object.entries(FIELD_COLUMN)) {
    // The metric definitions table has rows for these fields too; the attribute table is the one whose cells are names.
    const row = readme.split('\n').find((line) => line.startsWith(`| \`${column}\` | \``));
    expect(row, `README row for ${column}`).toBeDefined();
    const named = [...row!.split(' | ')[1].matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    expect(named).toEqual(USAGE_ATTRIBUTES.filter((a) => a.field === field).map((a) => a.name));
  }
});
