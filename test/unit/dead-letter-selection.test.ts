import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeFilter, matchesDeadLetter } from '../../src/admin/dead-letter-filter';
import { newestFirstWindow } from '../../src/admin/dead-letter-page';
import { ReplayTally } from '../../src/admin/replay-summary';

/** The page a window selects from positions 0..total-1 (0 the oldest), newest first, as QueueAdmin shows it. */
const pageOf = (total: number, offset: number, limit: number) => {
  const { from, to } = newestFirstWindow(total, offset, limit);
  return Array.from({ length: to - from }, (_, i) => to - 1 - i);
};

test('given a queue read from its oldest end, a newest-first page keeps only its own positions and says where reading can stop', () => {
  assert.deepEqual(pageOf(10, 0, 3), [9, 8, 7], 'the newest three');
  assert.deepEqual(pageOf(10, 3, 3), [6, 5, 4], 'the next page');
  assert.deepEqual(pageOf(10, 9, 3), [0], 'the last page is short');
  assert.deepEqual(pageOf(10, 10, 3), [], 'past the end');
  assert.deepEqual(pageOf(10, 50, 3), []);
  assert.deepEqual(pageOf(0, 0, 50), [], 'an empty queue');
  assert.deepEqual(pageOf(2, 0, 50), [1, 0]);
  assert.deepEqual(newestFirstWindow(100_000, 20, 20), { from: 99_960, to: 99_980 }, 'the 20 newest after the first 20: nothing past 99 980 is read');
});

test('given a filter, a dead letter matches only when every field given matches; the reason in any case, in the error name too', () => {
  const entry = { taskId: 'id-1', task: 'Crawler.fetch', errorName: 'TimeoutError', reason: 'the page took too long' };
  assert.equal(matchesDeadLetter(entry, {}), true, 'no filter: all');
  assert.equal(matchesDeadLetter(entry, { task: 'Crawler.fetch' }), true);
  assert.equal(matchesDeadLetter(entry, { task: 'Crawler' }), false, 'the task name exactly');
  assert.equal(matchesDeadLetter(entry, { reason: 'TOO LONG' }), true);
  assert.equal(matchesDeadLetter(entry, { reason: 'timeouterror' }), true, 'the error name is part of it');
  assert.equal(matchesDeadLetter(entry, { reason: 'closed' }), false);
  assert.equal(matchesDeadLetter(entry, { task: 'Crawler.fetch', reason: 'closed' }), false, 'all given must match');
  assert.equal(matchesDeadLetter(entry, { taskId: 'id-1' }), true);
  assert.equal(matchesDeadLetter(entry, { taskId: 'id-2' }), false);
  assert.equal(matchesDeadLetter({ taskId: undefined, task: undefined, errorName: undefined, reason: undefined }, { task: 'Crawler.fetch' }), false, 'a message with no task name matches no task');
  assert.equal(describeFilter({ task: 'Crawler.fetch', reason: 'closed' }), 'task Crawler.fetch, reason containing "closed"');
  assert.equal(describeFilter({}), '');
});

test('given a replay that skips many for few reasons, the summary groups them by reason, most first, with a few ids each', () => {
  const tally = new ReplayTally();
  tally.replayed = 10;
  for (let i = 0; i < 1_000; i++) tally.skip(`junk-${i}`, "no queue is bound to task 'Junk.replayme' any more");
  tally.skip(undefined, 'no task name (x-warren-task header): nothing to route it by');
  const summary = tally.summary(1_001);
  assert.equal(summary.replayed, 10);
  assert.equal(summary.skipped, 1_001);
  assert.equal(summary.remaining, 1_001);
  assert.deepEqual(summary.skippedReasons.map((group) => [group.count, group.taskIds.length]), [[1_000, 10], [1, 1]], 'bounded: ten ids per reason');
  assert.deepEqual(summary.skippedReasons[1]?.taskIds, ['(no id)']);
  assert.equal('error' in summary, false);
  assert.equal(tally.summary(undefined, 'connection lost').error, 'connection lost');
});
