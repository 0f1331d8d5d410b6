import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, parseDuration } from '../../src/format/duration';

test('a duration is a number with ms, s, m, h or d, or bare milliseconds', () => {
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('1.5s'), 1_500);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('5m'), 300_000);
  assert.equal(parseDuration('2h'), 7_200_000);
  assert.equal(parseDuration('30d'), 2_592_000_000);
  assert.equal(parseDuration('250'), 250);
});

test('anything else is no duration', () => {
  for (const text of ['', 'soon', '-5s', '5 weeks', '1e3', 's']) assert.equal(parseDuration(text), undefined, text);
});

test('formatDuration reads as a person would say it, from milliseconds to hours', () => {
  assert.deepEqual([0, 850, 1_000, 12_345, 59_999, 60_000, 245_000, 3_599_000, 3_600_000, 7_620_000].map(formatDuration), ['0 ms', '850 ms', '1.0 s', '12.3 s', '59.9 s', '1 min 00 s', '4 min 05 s', '59 min 59 s', '1 h 00 min', '2 h 07 min']);
});
