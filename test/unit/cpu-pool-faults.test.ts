import 'reflect-metadata';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { CpuPool } from '../../src/pools/cpu-pool';
import type { RunResult } from '../../src/pools/pool';
import { findJobFiles, loadJobModules } from '../../src/registry/load-job-modules';
import { TaskRegistry } from '../../src/registry/task-registry';

const errorOf = (result: RunResult): { name: string; message: string } => {
  assert.equal(result.outcome.ok, false, `expected a failure, got ${JSON.stringify(result.outcome)}`);
  return (result.outcome as { error: { name: string; message: string } }).error;
};
const threadOf = (result: RunResult): number => {
  assert.equal(result.outcome.ok, true, `expected success, got ${JSON.stringify(result.outcome)}`);
  return (result.outcome as { result: number }).result;
};

// One thread, as in the report: whatever one task leaves behind lands on the next task's thread.
describe('a CPU task fails alone', { timeout: 60_000 }, () => {
  const lines: Array<Record<string, unknown>> = [];
  let pool: CpuPool;
  let run: (method: string, ...args: unknown[]) => Promise<RunResult>;
  let taskIds = 0;

  before(async () => {
    const registry = TaskRegistry.fromModules(loadJobModules(await findJobFiles(['pool-fault-jobs.ts'], path.join(__dirname, 'fixtures'))));
    const logger = pino(
      { level: 'warn' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
          done();
        },
      }),
    );
    pool = new CpuPool({ threads: 1, configFile: undefined, maxOldGenerationSizeMb: undefined, niceness: 0, schedIdle: false, logger });
    run = (method, ...args) => {
      const definition = registry.get(`LeakyCpu.${method}`);
      assert.ok(definition, method);
      return pool.run({ taskId: `${method}-${++taskIds}`, attempt: 1, definition, args, traceparent: undefined, queue: 'test' });
    };
    threadOf(await run('innocent', 0)); // the thread has loaded the job module
  });
  after(() => pool.close());

  test('given a task that leaves a rejection while it runs, it fails for it and the next tasks on its thread succeed', async () => {
    const leak = await run('leakNow');
    const error = errorOf(leak);
    assert.match(error.message, /LeakyCpu\.leakNow left a promise rejection unhandled: Error: left behind by leakNow/);
    const innocents = await Promise.all(Array.from({ length: 20 }, () => run('innocent', 5)));
    for (const result of innocents) threadOf(result);
    assert.equal(pool.workerRestarts, 0, 'no thread died');
  });

  test('given a task whose rejection surfaces after it ended, no task is failed and a warning names it and the thread', async () => {
    const before = lines.length;
    const leak = await run('leakLater', 20);
    const leakThread = threadOf(leak);
    const leakId = `leakLater-${taskIds}`;
    // The next task yields for longer than the timer: the rejection surfaces while it runs.
    const innocents = await Promise.all(Array.from({ length: 20 }, () => run('innocent', 50)));
    for (const result of innocents) assert.equal(threadOf(result), leakThread);
    assert.equal(pool.workerRestarts, 0, 'no thread died');
    const warning = lines.slice(before).find((line) => String(line.msg).includes('left unhandled'));
    assert.ok(warning, `a warning should be logged: ${JSON.stringify(lines.slice(before))}`);
    assert.equal(warning.level, 40);
    assert.equal(warning.task, 'LeakyCpu.leakLater');
    assert.equal(warning.taskId, leakId);
    assert.equal(warning.thread, leakThread);
    assert.equal(warning.exact, true);
    assert.match(String(warning.msg), /left behind by leakLater/);
    assert.match(String(warning.msg), /LeakyCpu\.innocent, running there now, is not failed for it/);
  });

  test('given arguments nested 1e5 deep, that task fails with a clear error, and its thread is not counted as restarted', async () => {
    const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)) as unknown;
    const error = errorOf(await run('echo', deep));
    assert.equal(error.name, 'UnsendableValueError');
    assert.match(error.message, /The arguments of LeakyCpu\.echo cannot be sent to a worker thread: RangeError: Maximum call stack size exceeded/);
    assert.equal(pool.workerRestarts, 0);
    threadOf(await run('innocent', 0));
  });

  test('given a result that is a function or holds a symbol, that task fails with a clear error, and its thread lives on', async () => {
    const threadBefore = threadOf(await run('innocent', 0));
    const fn = errorOf(await run('returnFunction'));
    assert.equal(fn.name, 'UnsendableValueError');
    assert.equal(fn.message, 'The result of LeakyCpu.returnFunction cannot be sent back: functions cannot be cloned or sent as JSON');
    const symbol = errorOf(await run('returnSymbol'));
    assert.match(symbol.message, /The result of LeakyCpu\.returnSymbol cannot be sent back: symbols cannot be cloned or sent as JSON \(at result\.tag\)/);
    assert.equal(pool.workerRestarts, 0);
    assert.equal(threadOf(await run('innocent', 0)), threadBefore, 'the same thread serves the next task');
  });
});
