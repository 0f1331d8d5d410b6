import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidCallOptionsError, RegistryError, resolveConfig, Task, TaskMethod } from '../../src';
import { checkCallOptions } from '../../src/client/due-time';

test('one schema checks a run option wherever it is written: @Task, @TaskMethod and the config say the same', () => {
  assert.throws(() => Task({ queue: 'q', pool: 'io', hardTimeLimitMs: -1 }), (error: Error) => error instanceof RegistryError && /hardTimeLimitMs must be a positive integer/.test(error.message));
  assert.throws(() => TaskMethod({ retry: { jitter: 2 } })({}, 'm', {}), /@TaskMethod on Object\.m: retry\.jitter must be between 0 and 1/);
  assert.throws(() => Task({ queue: 'q', pool: 'io', retry: { tries: 3 } as never }), /unknown retry option 'tries'/);
  assert.throws(() => resolveConfig({ jobs: 'x.ts', defaults: { hardTimeLimitMs: -1 } }, { source: 'test', rootDir: '.' }, {}), /defaults\.hardTimeLimitMs: must be a positive integer/);
});

test('a call option that is unknown, negative or of the wrong type is refused before anything is published', () => {
  for (const [options, problem] of [
    [{ timeout: 5 }, /unknown option 'timeout'/],
    [{ timeoutMs: -1 }, /timeoutMs must be a positive integer/],
    [{ maxAttempts: 1.5 }, /maxAttempts must be a positive integer/],
    [{ delayMs: '90s' }, /delayMs must be a finite number/],
    [{ delayMs: 1, at: 2 }, /give delayMs or at, not both/],
  ] as const) {
    assert.throws(() => checkCallOptions('T.x', options as never), (error: Error) => error instanceof InvalidCallOptionsError && problem.test(error.message), JSON.stringify(options));
  }
  assert.doesNotThrow(() => checkCallOptions('T.x', { timeoutMs: 5_000, maxAttempts: 2, delayMs: 0, expiresInMs: 10 }));
});
