import 'reflect-metadata';
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import { CpuPool, type CpuPoolOptions } from '../../src/pools/cpu-pool';
import type { RunResult } from '../../src/pools/pool';
import type { ThreadRecycle } from '../../src/pools/thread-recycler';
import { findJobFiles, loadJobModules } from '../../src/registry/load-job-modules';
import type { TaskDefinition } from '../../src/registry/task-definition';
import { TaskRegistry } from '../../src/registry/task-registry';
import type { ThreadReport } from './fixtures/recycling-jobs';

const THREADS = 2;

interface Recycled extends ThreadRecycle {
  readonly at: number;
  /** The threads handed tasks at that moment. */
  readonly serving: readonly number[];
}

/** A pool of two recycled threads, what it recycled, and a steady stream of tasks through it. */
async function recyclingPool(options: Pick<CpuPoolOptions, 'maxTasksPerThread' | 'maxHeapMbPerThread'> & Partial<Pick<CpuPoolOptions, 'configFile' | 'jobModules'>>) {
  const registry = TaskRegistry.fromModules(loadJobModules(await findJobFiles(['recycling-jobs.ts'], path.join(__dirname, 'fixtures'))));
  const definition = (method: string): TaskDefinition => {
    const found = registry.get(`Recycling.${method}`);
    assert.ok(found, method);
    return found;
  };
  const recycles: Recycled[] = [];
  const pool: CpuPool = new CpuPool({
    threads: THREADS,
    configFile: options.configFile,
    maxOldGenerationSizeMb: undefined,
    niceness: 0,
    schedIdle: false,
    logger: pino({ level: 'silent' }),
    jobModules: [{ modulePath: definition('work').modulePath, exportName: definition('work').exportName, task: 'Recycling.work' }],
    ...options,
    onRecycle: (recycle) => recycles.push({ ...recycle, at: Date.now(), serving: pool.servingThreads ?? [] }),
  });
  let ids = 0;
  /** Runs `total` tasks, `lanes` at a time (more than the threads, as a CPU queue's prefetch does). */
  const stream = async (total: number, lanes: number, method: string, ...args: unknown[]): Promise<ThreadReport[]> => {
    const reports: ThreadReport[] = [];
    let started = 0;
    const lane = async (): Promise<void> => {
      while (started < total) {
        started++;
        const result: RunResult = await pool.run({ taskId: `t${++ids}`, attempt: 1, definition: definition(method), args, traceparent: undefined, queue: 'test' });
        assert.equal(result.outcome.ok, true, JSON.stringify(result.outcome));
        reports.push((result.outcome as { result: ThreadReport }).result);
      }
    };
    await Promise.all(Array.from({ length: lanes }, lane));
    return reports;
  };
  const runOnce = (definition: TaskDefinition, ...args: unknown[]): Promise<RunResult> => pool.run({ taskId: `t${++ids}`, attempt: 1, definition, args: args.length > 0 ? args : [0], traceparent: undefined, queue: 'test' });
  return { pool, recycles, stream, definition, runOnce };
}

/** Every recycle left two serving threads, and the replacement had loaded the job module before it took over. */
function assertCapacityKept(recycles: readonly Recycled[], reports: readonly ThreadReport[]): void {
  for (const recycle of recycles) {
    assert.equal(recycle.serving.length, THREADS, `serving at recycle of ${recycle.thread}: ${recycle.serving.join(', ')}`);
    assert.ok(recycle.serving.includes(recycle.replacement) && !recycle.serving.includes(recycle.thread));
    const first = reports.find((report) => report.thread === recycle.replacement);
    if (first) assert.ok(first.loadedAt <= recycle.at, `thread ${recycle.replacement} loaded ${first.loadedAt - recycle.at} ms after it took over`);
  }
}

test('given maxTasksPerThread, each thread is replaced after its tasks by a loaded spare, and no task fails or is lost', { timeout: 30_000 }, async (t) => {
  const { pool, recycles, stream } = await recyclingPool({ maxTasksPerThread: 10 });
  try {
    // A spare takes a few hundred ms to load here (Warren's sources compile in each thread): the
    // stream lasts long enough for several, and a thread serves on past its 10 while one loads.
    const reports = await stream(160, 4, 'work', 20);
    assert.equal(reports.length, 160, 'every task answered');
    const perThread = new Map<number, number>();
    for (const report of reports) perThread.set(report.thread, (perThread.get(report.thread) ?? 0) + 1);
    const retired = recycles.map((recycle) => recycle.thread);
    assert.ok(recycles.length >= 3, `recycled ${recycles.length} threads: ${JSON.stringify([...perThread])}`);
    for (const recycle of recycles) {
      assert.equal(recycle.reason, 'tasks');
      assert.ok(recycle.tasks >= 10, `thread ${recycle.thread} left after ${recycle.tasks} tasks`);
      assert.equal(perThread.get(recycle.thread), recycle.tasks, `thread ${recycle.thread} ran the tasks it was handed`);
    }
    assert.equal(new Set(retired).size, retired.length, 'each thread retires once');
    assertCapacityKept(recycles, reports);
    assert.deepEqual(pool.threadsRecycled, { tasks: recycles.length, heap: 0 });
    assert.equal(pool.workerRestarts, 0);
    t.diagnostic(`recycled ${recycles.length}; tasks per retired thread: ${recycles.map((recycle) => recycle.tasks).join(' ')}`);
  } finally {
    await pool.close();
  }
});

test("given maxHeapMbPerThread, a leaking job's heap stays bounded and two threads serve throughout", { timeout: 30_000 }, async (t) => {
  const maxHeapMb = 32;
  const { pool, recycles, stream } = await recyclingPool({ maxHeapMbPerThread: maxHeapMb });
  try {
    // 1 MB kept per task, 200 MB in all: without recycling each thread would hold 100 MB more.
    const reports = await stream(200, 4, 'leak', 1, 25);
    assert.equal(reports.length, 200);
    const heaviest = Math.max(...reports.map((report) => report.heapMb));
    assert.ok(recycles.length >= 3, `recycled ${recycles.length}`);
    for (const recycle of recycles) {
      assert.equal(recycle.reason, 'heap');
      assert.ok(recycle.heapMb !== undefined && recycle.heapMb > maxHeapMb);
    }
    // A thread past the limit may finish the task it was already handed (4 MB more) before it goes.
    // A thread past the limit serves on while a spare loads (the second of two due at once, for
    // two loads): the bound is the limit plus what it keeps meanwhile, below the 100 MB more unrecycled.
    assert.ok(heaviest < maxHeapMb + 64, `heaviest heap ${heaviest.toFixed(1)} MB`);
    assertCapacityKept(recycles, reports);
    assert.equal(pool.threadsRecycled?.heap, recycles.length);
    t.diagnostic(`recycled ${recycles.length}; heaviest heap ${heaviest.toFixed(1)} MB; at recycle: ${recycles.map((recycle) => recycle.heapMb).join(' ')}`);
  } finally {
    await pool.close();
  }
});

test('given recycling and a job module or providers that fail to load, its tasks fail at once with the error, and threads go on', { timeout: 30_000 }, async () => {
  const missing = path.join(__dirname, 'fixtures', 'no-such-jobs.ts');
  const { pool, definition, runOnce } = await recyclingPool({
    maxTasksPerThread: 2,
    configFile: path.join(__dirname, 'fixtures', 'throwing-providers.config.ts'),
    jobModules: [{ modulePath: missing, exportName: 'Gone', task: 'Gone.work' }],
  });
  try {
    const gone = await runOnce({ ...definition('work'), name: 'Gone.work', modulePath: missing, exportName: 'Gone' });
    assert.equal(gone.outcome.ok, false);
    assert.match((gone.outcome as { error: { message: string } }).error.message, /CPU worker could not load .*no-such-jobs\.ts for Gone\.work/);
    for (let i = 0; i < 6; i++) {
      const failed = await runOnce(definition('work'));
      assert.equal(failed.outcome.ok, false);
      assert.match((failed.outcome as { error: { message: string } }).error.message, /could not run the providers of .*throwing-providers\.config\.ts: Error: no database here/);
    }
    assert.equal(pool.workerRestarts, 0);
  } finally {
    await pool.close();
  }
});

test('given recycling, a thread killed at its hard limit is replaced by the spare, and the pool serves on with two threads', { timeout: 30_000 }, async () => {
  const { pool, definition, runOnce } = await recyclingPool({ maxTasksPerThread: 1_000 });
  try {
    await Promise.all([runOnce(definition('work'), 0), runOnce(definition('work'), 0)]); // both threads have started
    const before = pool.servingThreads ?? [];
    const hung = await runOnce({ ...definition('spin'), hardTimeLimitMs: 300 }, 10_000);
    assert.equal((hung.outcome as { error?: { name: string } }).error?.name, 'TaskTimeLimitError');
    assert.equal(pool.workerRestarts, 1);
    const after = pool.servingThreads ?? [];
    assert.equal(after.length, THREADS, `serving after the kill: ${after.join(', ')}`);
    assert.ok(after.some((thread) => !before.includes(thread)), 'the spare took the killed thread\'s place');
    const results = await Promise.all(Array.from({ length: 6 }, () => runOnce(definition('work'), 5)));
    for (const result of results) assert.equal(result.outcome.ok, true, JSON.stringify(result.outcome));
    assert.deepEqual(pool.threadsRecycled, { tasks: 0, heap: 0 }, 'a kill is a restart, not a recycle');
  } finally {
    await pool.close();
  }
});
