import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveConfig, type WarrenConfig } from '../../src';
import type { QueueDefinition, TaskDefinition } from '../../src/registry/task-definition';
import { consumerTimeoutWarnings, planQueues, worstUnackedMs } from '../../src/runtime/queue-plan';
import { TopologyNames } from '../../src/topology/topology';

const names = new TopologyNames('plan');
const config = (overrides: Partial<WarrenConfig> = {}) => resolveConfig({ jobs: 'a.ts', pools: { cpu: { threads: 2 } }, ...overrides }, { source: 'test', rootDir: '/' }, {});
const queue = (name: string, pool: 'cpu' | 'io', tasks: string[], concurrency?: number): QueueDefinition => ({ name, pool, tasks, ...(concurrency === undefined ? {} : { concurrency }) });
const task = (name: string, queueName: string, pool: 'cpu' | 'io', hardTimeLimitMs: number | undefined): TaskDefinition => ({ name, queue: queueName, pool, hardTimeLimitMs }) as unknown as TaskDefinition;

test('given the defaults (10 min hard limit, 30 min consumer timeout), a CPU queue prefetches 2 x threads', () => {
  const [plan] = planQueues([queue('hash', 'cpu', ['H.run'])], config(), names, [task('H.run', 'hash', 'cpu', 600_000)]);
  assert.equal(plan?.prefetch, 4);
  assert.equal(plan?.longestHardLimitMs, 600_000);
});

test('given twice the longest hard limit near the consumer timeout, a CPU queue prefetches its threads only', () => {
  // The case: 8 s limit, 10 s timeout: a delivery waiting 8 s for a thread, then running 8 s, would be closed.
  const timeout = config({ broker: { consumerTimeoutMs: 10_000 } });
  const tasks = [task('H.quick', 'hash', 'cpu', 1_000), task('H.slow', 'hash', 'cpu', 8_000)];
  const [plan] = planQueues([queue('hash', 'cpu', ['H.quick', 'H.slow'])], timeout, names, tasks);
  assert.equal(plan?.prefetch, 2, 'the longest limit of the queue decides');
  assert.equal(worstUnackedMs(planQueues([queue('hash', 'cpu', ['H.quick', 'H.slow'])], timeout, names, tasks), 2), 8_000);
  // At 80 % of the timeout and below, the doubled window stays.
  const [edge] = planQueues([queue('hash', 'cpu', ['H.run'])], timeout, names, [task('H.run', 'hash', 'cpu', 4_000)]);
  assert.equal(edge?.prefetch, 4);
  const [past] = planQueues([queue('hash', 'cpu', ['H.run'])], timeout, names, [task('H.run', 'hash', 'cpu', 4_001)]);
  assert.equal(past?.prefetch, 2);
});

test('given a task without a hard limit, its CPU queue prefetches its threads only', () => {
  const [plan] = planQueues([queue('hash', 'cpu', ['H.run'])], config(), names, [task('H.run', 'hash', 'cpu', undefined)]);
  assert.equal(plan?.prefetch, 2);
  assert.equal(plan?.longestHardLimitMs, Infinity);
});

test('given two CPU queues, they share the threads: the window counts both, and each falls back to the threads when doubled would reach the timeout', () => {
  const queues = [queue('a', 'cpu', ['A.run']), queue('b', 'cpu', ['B.run'])];
  const tasks = [task('A.run', 'a', 'cpu', 600_000), task('B.run', 'b', 'cpu', 60_000)];
  // 2 x 4 deliveries on 2 threads: the last waits 3 rounds of 10 min. With 2 each: 1 round, 20 min in all.
  const plans = planQueues(queues, config(), names, tasks);
  assert.deepEqual(plans.map((plan) => plan.prefetch), [2, 2]);
  assert.equal(worstUnackedMs(plans, 2), 1_200_000);
  assert.deepEqual(consumerTimeoutWarnings(plans, config(), tasks), []);
});

test('I/O queues keep their concurrency and never count in the CPU window; a concurrency set for a CPU queue is kept', () => {
  const queues = [queue('io', 'io', ['I.run']), queue('pinned', 'cpu', ['P.run'], 6)];
  const tasks = [task('I.run', 'io', 'io', 1_700_000), task('P.run', 'pinned', 'cpu', 60_000)];
  const plans = planQueues(queues, config(), names, tasks);
  assert.deepEqual(plans.map((plan) => plan.prefetch), [32, 6]);
  assert.equal(worstUnackedMs(plans, 2), 3 * 60_000);
});

test('without task definitions, every task is taken to have the default hard limit', () => {
  const [plan] = planQueues([queue('hash', 'cpu', ['H.run'])], config({ defaults: { hardTimeLimitMs: 1_500_000 } }), names);
  assert.equal(plan?.prefetch, 2);
});

test('given a hard limit at or above the consumer timeout, or none, the start warns naming the task; below it, nothing', () => {
  const c = config({ broker: { consumerTimeoutMs: 60_000 } });
  const tasks = [task('Io.at', 'io', 'io', 60_000), task('Cpu.none', 'hash', 'cpu', undefined), task('Cpu.below', 'hash', 'cpu', 59_999)];
  const plans = planQueues([queue('io', 'io', ['Io.at']), queue('hash', 'cpu', ['Cpu.none', 'Cpu.below'])], c, names, tasks);
  const warnings = consumerTimeoutWarnings(plans, c, tasks);
  assert.equal(warnings.length, 2, warnings.join('\n'));
  assert.match(warnings[0] ?? '', /^Io\.at: hard limit 60000 ms is at or above the broker's consumer timeout \(broker\.consumerTimeoutMs 60000 ms\)/);
  assert.match(warnings[1] ?? '', /^Cpu\.none: no hard limit/);
});

test('given a CPU concurrency that makes deliveries wait for threads past the timeout, the start warns naming the queue', () => {
  const c = config({ broker: { consumerTimeoutMs: 100_000 } });
  const tasks = [task('P.run', 'pinned', 'cpu', 30_000)];
  const plans = planQueues([queue('pinned', 'cpu', ['P.run'], 6)], c, names, tasks);
  // 6 deliveries on 2 threads: the last waits 2 rounds of 30 s, then runs 30 s: 90 s > 80 s.
  const warnings = consumerTimeoutWarnings(plans, c, tasks);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] ?? '', /CPU queues pinned \(prefetch 6\) hold 6 deliveries for 2 thread\(s\): one waiting for a thread may stay unacknowledged up to 90000 ms/);
});
