import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCpuList, splitCores } from '../../bench/scenarios/core-split';

test('parseCpuList reads the kernel list syntax: ranges and single cores', () => {
  assert.deepEqual(parseCpuList('0-1\n'), [0, 1]);
  assert.deepEqual(parseCpuList('0-2,5,7-8'), [0, 1, 2, 5, 7, 8]);
  assert.deepEqual(parseCpuList('3'), [3]);
  assert.deepEqual(parseCpuList(''), []);
});

test('splitCores gives the broker the first half (rounded down) and the server the rest', () => {
  assert.deepEqual(splitCores([0, 1]), { broker: [0], server: [1] });
  assert.deepEqual(splitCores([0, 1, 2]), { broker: [0], server: [1, 2] });
  assert.deepEqual(splitCores([2, 3, 6, 7]), { broker: [2, 3], server: [6, 7] });
});

test('splitCores refuses one core: there is nothing to keep apart', () => {
  assert.equal(splitCores([0]), undefined);
  assert.equal(splitCores([]), undefined);
});
