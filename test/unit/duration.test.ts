import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDuration } from '../../src/format/duration';

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
