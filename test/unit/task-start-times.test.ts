import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TaskStartTimes, markStarted, startTimesView } from '../../src/pools/task-start-times';

test('a slot reads as not started (and on no thread) until the worker side marks it, and is clean when taken again', () => {
  const times = new TaskStartTimes();
  const slot = times.take();
  assert.notEqual(slot, undefined);
  assert.equal(times.startedAt(slot!), undefined);
  assert.equal(times.threadOf(slot!), undefined);

  // A worker gets the buffer in its workerData and makes its own view of it.
  const before = Date.now();
  markStarted(startTimesView(times.buffer), slot!, 7);
  const started = times.startedAt(slot!);
  assert.ok(started !== undefined && started >= before && started <= Date.now(), `started at ${started}`);
  assert.equal(times.threadOf(slot!), 7);

  times.give(slot!);
  const again = times.take();
  assert.equal(again, slot, 'the slot given back is the next one taken');
  assert.equal(times.startedAt(again!), undefined);
  assert.equal(times.threadOf(again!), undefined);
});

test('when every slot is taken, take says so instead of sharing one', () => {
  const times = new TaskStartTimes();
  const taken = new Set<number>();
  for (let slot = times.take(); slot !== undefined; slot = times.take()) taken.add(slot);
  assert.equal(taken.size, 4096);
  assert.equal(times.take(), undefined);
});
