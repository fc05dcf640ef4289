import { expect, test } from 'vitest';
import { HEAP_GROWING_PERCENT, heapGrowthFlag } from './heap-growth';

test('the heap growth flag is set unless Node was started with its own, in either spelling', () => {
  expect(heapGrowthFlag([])).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  expect(heapGrowthFlag(['--enable-source-maps', '--heap-growing-percent-x'])).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  expect(heapGrowthFlag(['--heap-growing-percent=300'])).toBeNull();
  expect(heapGrowthFlag(['--heap_growing_percent=50'])).toBeNull();
});
