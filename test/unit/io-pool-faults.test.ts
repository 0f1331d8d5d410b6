import 'reflect-metadata';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Writable } from 'node:stream';
import { before, describe, test } from 'node:test';
import pino from 'pino';
import { container } from 'tsyringe';
import { IoPool } from '../../src/pools/io-pool';
import { JobInstances } from '../../src/pools/job-instances';
import type { RunResult } from '../../src/pools/pool';
import { findJobFiles, loadJobModules } from '../../src/registry/load-job-modules';
import type { TaskDefinition } from '../../src/registry/task-definition';
import { TaskRegistry } from '../../src/registry/task-registry';

type Log = Array<{ event: string; at: number; reason?: string }>;

const errorOf = (result: RunResult): { name: string; message: string } => {
  assert.equal(result.outcome.ok, false, `expected a failure, got ${JSON.stringify(result.outcome)}`);
  return (result.outcome as { error: { name: string; message: string } }).error;
};

/** Most runs whose code was going at once, from their start and end events. */
function mostAtOnce(logs: readonly Log[]): number {
  const events = logs.flatMap((log) => log.filter((e) => e.event !== 'abort').map((e) => ({ at: e.at, delta: e.event === 'start' ? 1 : -1 })));
  events.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let now = 0;
  let most = 0;
  for (const { delta } of events) most = Math.max(most, (now += delta));
  return most;
}

describe('the I/O pool past a hard limit', { timeout: 60_000 }, () => {
  let registry: TaskRegistry;
  const definition = (method: string, overrides: Partial<TaskDefinition> = {}): TaskDefinition => {
    const found = registry.get(`LeakyIo.${method}`);
    assert.ok(found, method);
    return { ...found, ...overrides };
  };
  const newPool = (logger = pino({ level: 'silent' })) => new IoPool(new JobInstances(container.createChildContainer()), 2, logger);
  let ids = 0;
  const run = (pool: IoPool, def: TaskDefinition, ...args: unknown[]) => pool.run({ taskId: `t${++ids}`, attempt: 1, definition: def, args, traceparent: undefined, queue: 'test' });

  before(async () => {
    registry = TaskRegistry.fromModules(loadJobModules(await findJobFiles(['pool-fault-jobs.ts'], path.join(__dirname, 'fixtures'))));
  });

  test("given a soft limit above the hard limit, the run's signal fires at the hard limit with TaskTimeLimitError", async () => {
    const pool = newPool();
    const log: Log = [];
    const overrun = definition('overrun', { hardTimeLimitMs: 100, softTimeLimitMs: 300_000 });
    const result = await run(pool, overrun, 400, log);
    assert.equal(errorOf(result).name, 'TaskTimeLimitError');
    const abort = log.find((e) => e.event === 'abort');
    assert.ok(abort, `the signal should have fired: ${JSON.stringify(log)}`);
    assert.equal(abort.reason, 'TaskTimeLimitError');
    assert.equal(pool.inFlight, 1, 'the abandoned run is still counted');
    assert.equal(pool.abandoned, 1);
    await waitUntil(() => log.some((e) => e.event === 'end'));
    await waitUntil(() => pool.inFlight === 0);
  });

  test('given a queue of concurrency 2 whose runs overrun their limit, never more than 2 run at once', async () => {
    const pool = newPool();
    const overrun = definition('overrun', { hardTimeLimitMs: 80, softTimeLimitMs: 300_000 });
    const logs: Log[] = [];
    // Two lanes: the consumer's prefetch of 2, each taking the next delivery once one is settled.
    const results: RunResult[] = [];
    await Promise.all(
      [0, 1].map(async () => {
        for (let i = 0; i < 4; i++) {
          const log: Log = [];
          logs.push(log);
          results.push(await run(pool, overrun, 150, log));
        }
      }),
    );
    await waitUntil(() => pool.inFlight === 0);
    assert.equal(results.length, 8);
    for (const result of results) assert.equal(errorOf(result).name, 'TaskTimeLimitError');
    assert.equal(mostAtOnce(logs), 2, JSON.stringify(logs));
  });

  test('given an abandoned run that never settles, its place is given back after one more hard limit, with an error logged', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino(
      { level: 'warn' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
          done();
        },
      }),
    );
    const pool = newPool(logger);
    const overrun = definition('overrun', { hardTimeLimitMs: 100, softTimeLimitMs: 300_000 });
    const t0 = Date.now();
    const first: Log = [];
    assert.equal(errorOf(await run(pool, overrun, 1_500, first)).name, 'TaskTimeLimitError');
    const second: Log = [];
    const next = run(pool, definition('overrun', { hardTimeLimitMs: 1_000 }), 0, second);
    await next;
    const startedAt = second.find((e) => e.event === 'start')?.at ?? Number.NaN;
    assert.ok(startedAt - t0 >= 180 && startedAt - t0 < 1_000, `the next run should start after the grace, not when the first ends (${startedAt - t0} ms)`);
    assert.ok(lines.some((line) => line.level === 50 && /still running 100 ms after its hard limit/.test(String(line.msg))), JSON.stringify(lines));
    await waitUntil(() => first.some((e) => e.event === 'end'));
  });

  test('given a result that is a function or a BigInt, the run fails with a clear error instead of becoming undefined', async () => {
    const pool = newPool();
    const fn = errorOf(await run(pool, definition('returnFunction')));
    assert.equal(fn.name, 'UnsendableValueError');
    assert.equal(fn.message, 'The result of LeakyIo.returnFunction cannot be sent back: functions cannot be cloned or sent as JSON');
    const big = errorOf(await run(pool, definition('returnBigInt')));
    assert.match(big.message, /The result of LeakyIo\.returnBigInt cannot be sent back: JSON cannot encode a BigInt .*\(at result\.n\)/);
    const fine = await run(pool, definition('ok'));
    assert.deepEqual(fine.outcome, { ok: true, result: { n: 1 } });
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
