import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideAfterRun } from '../../src/policy/after-run';
import { mergeRetryPolicies } from '../../src/policy/retry-policy';

const policy = mergeRetryPolicies({ maxAttempts: 3, initialDelayMs: 37_000, jitter: 0 });
const failed = { ok: false, retryable: true, attempt: 1, requestedMaxAttempts: undefined };

test('a run that succeeded is acknowledged', () => {
  assert.deepEqual(decideAfterRun({ ...failed, ok: true }, policy), { action: 'ack' });
});

test('a retryable failure with attempts left is retried after the exact backoff: 37 s means 37 s', () => {
  assert.deepEqual(decideAfterRun(failed, policy), { action: 'retry', nextAttempt: 2, delayMs: 37_000 });
});

test('the last attempt, or an error not worth another, is dead-lettered', () => {
  assert.deepEqual(decideAfterRun({ ...failed, attempt: 3 }, policy), { action: 'dead-letter' });
  assert.deepEqual(decideAfterRun({ ...failed, retryable: false }, policy), { action: 'dead-letter' });
});

test("a caller may ask for fewer attempts than the task's policy, never more", () => {
  assert.deepEqual(decideAfterRun({ ...failed, requestedMaxAttempts: 1 }, policy), { action: 'dead-letter' });
  assert.equal(decideAfterRun({ ...failed, attempt: 3, requestedMaxAttempts: 1e308 }, policy).action, 'dead-letter');
});
