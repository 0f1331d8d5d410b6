import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryResultStore } from '../../src/results/memory-result-store';
import type { StoredTask } from '../../src/results/result-store';
import { supersedes } from '../../src/results/row-order';
import { WriteBatcher } from '../../src/results/write-batcher';
import type { TaskState } from '../../src/runtime/task-status';

const row = (state: TaskState, attempt = 1, extra: Partial<StoredTask> = {}): StoredTask => ({ taskId: 't1', task: 'A.b', queue: 'q', state, args: [], attempt, runtime: 'r', updatedAt: Date.now(), ...extra });

describe('which row of a task wins', () => {
  test('a later phase of the same attempt replaces an earlier one, never the other way round', () => {
    assert.equal(supersedes(row('succeeded'), row('running')), true);
    assert.equal(supersedes(row('retrying'), row('running')), true);
    assert.equal(supersedes(row('running'), row('retrying')), false);
  });

  test('a later attempt replaces an earlier one; an earlier one arriving late does not', () => {
    assert.equal(supersedes(row('running', 2), row('retrying', 1)), true);
    assert.equal(supersedes(row('retrying', 1), row('running', 2)), false);
  });

  test('nothing replaces a final row: a task run again after a lost ack keeps the outcome already read', () => {
    assert.equal(supersedes(row('failed', 2), row('succeeded', 1)), false);
    assert.equal(supersedes(row('succeeded'), row('succeeded')), false);
    assert.equal(supersedes(row('running'), undefined), true);
  });
});

describe('write batcher', () => {
  const batcher = (write: (items: Array<{ id: string; n: number }>) => Promise<void>, events: string[] = []) =>
    new WriteBatcher<string, { id: string; n: number }>({
      keyOf: (item) => item.id,
      merge: (incoming, pending) => (incoming.n >= pending.n ? incoming : pending),
      write,
      maxBatch: 100,
      maxWriting: 1,
      retryDelayMs: () => 5,
      onFailure: (error) => events.push(`failed: ${error.message}`),
      onSuccess: () => events.push('recovered'),
    });

  test('what arrives while a batch is on its way leaves as one batch, one item per key', async () => {
    const batches: Array<Array<{ id: string; n: number }>> = [];
    let release!: () => void;
    const first = new Promise<void>((resolve) => (release = resolve));
    const writes = batcher(async (items) => {
      batches.push(items);
      if (batches.length === 1) await first;
    });
    const done = [writes.add({ id: 'a', n: 1 })];
    for (let n = 1; n <= 5; n++) done.push(writes.add({ id: 'b', n }), writes.add({ id: `c${n}`, n }));
    release();
    await Promise.all(done);
    assert.equal(batches.length, 2);
    assert.deepEqual(batches[0], [{ id: 'a', n: 1 }]);
    assert.equal(batches[1]?.length, 6); // b once, with its latest value, and c1..c5
    assert.deepEqual(batches[1]?.find((item) => item.id === 'b'), { id: 'b', n: 5 });
  });

  test('a failed batch is written again, merged with newer items for its keys, and every add resolves once it is', async () => {
    const events: string[] = [];
    const written: Array<Array<{ id: string; n: number }>> = [];
    let failures = 2;
    const writes = batcher(async (items) => {
      if (failures-- > 0) throw new Error('store down');
      written.push(items);
    }, events);
    const first = writes.add({ id: 'a', n: 1 });
    await new Promise((resolve) => setImmediate(resolve));
    const second = writes.add({ id: 'a', n: 2 });
    await Promise.all([first, second]);
    assert.deepEqual(written, [[{ id: 'a', n: 2 }]]);
    assert.deepEqual(events, ['failed: store down', 'failed: store down', 'recovered']);
  });

  test('closing fails what still waits, with the reason', async () => {
    const writes = batcher(async () => {
      throw new Error('store down');
    });
    const pending = writes.add({ id: 'a', n: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1));
    writes.close(new Error('closed'));
    await assert.rejects(pending, /closed/);
    await assert.rejects(writes.add({ id: 'b', n: 1 }), /closed/);
  });
});

describe('embedded result store', () => {
  test('keeps a copy of the result, the last progress, and expires finished rows past the retention', async () => {
    const store = new MemoryResultStore(1_000);
    await store.write(row('running', 1, { progress: { done: 1 } }));
    const result = { list: [1] };
    await store.write({ ...row('succeeded', 1, { finishedAt: 10_000 }), encodedResult: JSON.stringify(result) });
    result.list.push(2);
    const stored = await store.get('t1');
    assert.deepEqual(stored?.result, { list: [1] });
    assert.deepEqual(stored?.progress, { done: 1 });
    assert.deepEqual((await store.getFinished(['t1', 'nope'])).map((found) => found.taskId), ['t1']);
    assert.equal(await store.expire(10_500), 0);
    assert.equal(await store.expire(11_001), 1);
    assert.equal(await store.get('t1'), undefined);
  });
});
