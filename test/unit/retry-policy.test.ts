import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentsError, NonRetryableError } from '../../src';
import { backoffDelayMs, DEFAULT_RETRY, isRetryable, mergeRetryPolicies } from '../../src/policy/retry-policy';

test('delays grow exponentially from the initial delay and stop at the cap', () => {
  const policy = mergeRetryPolicies({ initialDelayMs: 1_000, factor: 2, maxDelayMs: 5_000, jitter: 0 });
  assert.deepEqual([2, 3, 4, 5, 6].map((attempt) => backoffDelayMs(attempt, policy)), [1_000, 2_000, 4_000, 5_000, 5_000]);
});

test('jitter spreads a delay evenly around its base, never past the fraction', () => {
  const policy = mergeRetryPolicies({ initialDelayMs: 1_000, jitter: 0.2 });
  assert.equal(backoffDelayMs(2, policy, () => 0), 800);
  assert.equal(backoffDelayMs(2, policy, () => 0.5), 1_000);
  assert.equal(backoffDelayMs(2, policy, () => 1), 1_200);
});

test('later layers win field by field; undefined leaves the earlier value', () => {
  const merged = mergeRetryPolicies({ maxAttempts: 5, initialDelayMs: 10 }, { maxAttempts: undefined, factor: 3 }, { maxAttempts: 2 });
  assert.deepEqual(merged, { ...DEFAULT_RETRY, maxAttempts: 2, initialDelayMs: 10, factor: 3 });
});

test('which errors retry: everything but NonRetryableError and invalid arguments, unless retryOn narrows it', () => {
  class Transient extends Error {}
  assert.equal(isRetryable(new Error('x'), undefined), true);
  assert.equal(isRetryable(new NonRetryableError('x'), undefined), false);
  assert.equal(isRetryable(new InvalidArgumentsError('T.m', ['bad']), undefined), false);
  assert.equal(isRetryable(new Transient('x'), [Transient]), true);
  assert.equal(isRetryable(new Error('x'), [Transient]), false);
  assert.equal(isRetryable(new Error('timeout'), (error) => /timeout/.test(error.message)), true);
  assert.equal(isRetryable(new Error('x'), () => { throw new Error('broken predicate'); }), false);
});
