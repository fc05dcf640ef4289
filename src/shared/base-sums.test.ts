import { expect, test } from 'vitest';
import { addSums, zeroSums } from './base-sums';
import { BASE_SUMS, type BaseSums } from './catalogue';

test('zeroSums has every base sum at 0, and addSums adds every one of them', () => {
  expect(Object.keys(zeroSums()).sort()).toEqual([...BASE_SUMS].sort());
  const ones = Object.fromEntries(BASE_SUMS.map((s, i) => [s, i + 1])) as BaseSums;
  const twice = addSums(addSums(zeroSums(), ones), ones);
  for (const [i, s] of BASE_SUMS.entries()) expect(twice[s], s).toBe(2 * (i + 1));
});
