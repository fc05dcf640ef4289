/** The write gate: a holder waits for the writes under way, and writes that come while it holds wait for its release. */
import { expect, test } from 'vitest';
import { WriteGate } from './duckdb-write-gate';

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('a hold waits for the writes under way; later writes wait for the release', async () => {
  const gate = new WriteGate();
  const order: string[] = [];
  let finishFirst!: () => void;
  const first = gate.admit(() => new Promise<void>((resolve) => (finishFirst = resolve)).then(() => void order.push('first write done')));
  const held = gate.hold().then((release) => (order.push('held'), release));
  await tick();
  const second = gate.admit(async () => void order.push('second write'));
  await tick();
  expect(order).toEqual([]);
  finishFirst();
  const release = await held;
  await tick();
  expect(order).toEqual(['first write done', 'held']);
  order.push('maintenance');
  release();
  await Promise.all([first, second]);
  expect(order).toEqual(['first write done', 'held', 'maintenance', 'second write']);
  await expect(gate.admit(async () => 'through')).resolves.toBe('through');
});

test('a second holder is refused rather than left waiting', async () => {
  const gate = new WriteGate();
  const release = await gate.hold();
  await expect(gate.hold()).rejects.toThrow('already held');
  release();
});
