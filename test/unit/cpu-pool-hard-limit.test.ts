import 'reflect-metadata';
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import { CpuPool } from '../../src/pools/cpu-pool';
import { findJobFiles, loadJobModules } from '../../src/registry/load-job-modules';
import { TaskRegistry } from '../../src/registry/task-registry';
import { FIXTURE_CONFIG } from '../support/fixture-runtime';

test("a CPU task's hard limit counts from when its method starts, not while it waits for the thread", { timeout: 60_000 }, async () => {
  const registry = TaskRegistry.fromModules(loadJobModules(await findJobFiles(['jobs/fixture-jobs.ts'], path.join(__dirname, '..', 'fixtures'))));
  const spin = registry.get('CpuJobs.spin');
  assert.ok(spin);
  // One thread at normal priority: the second task waits for the first, and nothing else on the
  // machine can starve the thread into its limit.
  const pool = new CpuPool({
    threads: 1,
    configFile: FIXTURE_CONFIG,
    maxOldGenerationSizeMb: undefined,
    niceness: 0,
    schedIdle: false,
    logger: pino({ level: 'silent' }),
  });
  const run = (taskId: string, hardTimeLimitMs: number | undefined, ms: number) => pool.run({ taskId, attempt: 1, definition: { ...spin, hardTimeLimitMs }, args: [ms], traceparent: undefined, queue: 'test' });
  try {
    // The second task waits 2 s (and the thread's start-up) for the first, then runs 0.2 s: counted
    // from the hand-over, its 1.5 s limit would have stopped it while it waited.
    const [first, second] = await Promise.all([run('first', undefined, 2_000), run('second', 1_500, 200)]);
    assert.equal(first.outcome.ok, true);
    assert.equal(second.outcome.ok, true, JSON.stringify(second.outcome));

    // A task that runs past its limit is still stopped, and its thread replaced.
    const hung = await run('hung', 300, 10_000);
    assert.equal(hung.outcome.ok, false);
    assert.equal((hung.outcome as { error: { name: string } }).error.name, 'TaskTimeLimitError');
    assert.equal(pool.workerRestarts, 1);
    assert.equal((await run('after', 1_500, 10)).outcome.ok, true);
  } finally {
    await pool.close();
  }
});
