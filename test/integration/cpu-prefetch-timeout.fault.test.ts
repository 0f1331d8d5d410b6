import 'reflect-metadata';
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { connect, resolveConfig, Runtime, type TaskEvent } from '../../src';
import { captureLogger, randomNamespace } from '../support/fixture-runtime';
import { requireRabbitNode } from '../support/requirements';
import { CpuWindow } from './fixtures/cpu-window-jobs';

// consumer_timeout is the broker's own setting: it needs rabbitmqctl on the node.
const node = requireRabbitNode();

const CONSUMER_TIMEOUT_MS = 3_000;
/** Each task holds the one thread this long: a delivery waiting behind one (the old 2 x threads window) is unacknowledged 3.6 s. */
const HOLD_MS = 1_800;
const TASKS = 6;

test(
  'given a CPU queue whose hard limit (2.5 s) is near the consumer timeout (3 s), when 6 tasks of 1.8 s queue for 1 thread, then none waits in the window into the timeout: no channel is closed, each runs once',
  { skip: node.skip, timeout: 90_000 },
  async () => {
    const appEnv = async (key: string): Promise<string | undefined> => /^\{ok,(\d+)\}$/.exec((await node.ctl(['eval', `application:get_env(rabbit, ${key}).`])).trim())?.[1];
    const setAppEnv = async (key: string, value: string | undefined): Promise<void> => {
      await node.ctl(['eval', value === undefined ? `application:unset_env(rabbit, ${key}).` : `application:set_env(rabbit, ${key}, ${value}).`]);
    };
    const config = resolveConfig(
      {
        jobs: 'fixtures/cpu-window-jobs.ts',
        broker: { url: node.url, namespace: randomNamespace(), consumerTimeoutMs: CONSUMER_TIMEOUT_MS },
        pools: { cpu: { threads: 1 } },
        logLevel: 'warn',
      },
      { source: 'test', rootDir: path.join(__dirname) },
      {},
    );
    const captured = captureLogger('warn');
    // consumer_timeout is read when a channel opens; 3.10 checks it on each channel tick (60 s by default).
    const timeoutBefore = await appEnv('consumer_timeout');
    const tickBefore = await appEnv('channel_tick_interval');
    await setAppEnv('channel_tick_interval', '200');
    await setAppEnv('consumer_timeout', String(CONSUMER_TIMEOUT_MS));
    let runtime: Runtime;
    try {
      runtime = await Runtime.start({ config, logger: captured.logger });
    } finally {
      await setAppEnv('consumer_timeout', timeoutBefore);
    }
    const client = await connect({ url: node.url, config, logger: captured.logger });
    const lost: string[] = [];
    runtime.on('consumerLost', (queue, error) => lost.push(`${queue}: ${error.message}`));
    const events: TaskEvent[] = [];
    runtime.on('task', (event) => events.push(event));
    try {
      const [plan] = runtime.plans;
      assert.equal(plan?.prefetch, 1, 'twice the 2.5 s limit is past 80 % of 3 s: the threads alone');
      const cpu = client.proxy(CpuWindow);
      await cpu.hold(10); // the worker thread has loaded the job module before the timed tasks
      const results = await Promise.all(Array.from({ length: TASKS }, () => cpu.hold.with({ timeoutMs: 60_000 })(HOLD_MS)));
      assert.deepEqual(results, Array.from({ length: TASKS }, () => HOLD_MS));
      // A closed channel is seen within a tick (200 ms): give it one more task's time.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      assert.deepEqual(lost, [], 'no consumer channel was closed by the broker');
      const runs = events.filter((event) => event.task === 'CpuWindow.hold');
      assert.equal(runs.length, TASKS + 1, `each task ran once: ${runs.map((event) => event.outcome).join(', ')}`);
      assert.ok(runs.every((event) => event.outcome === 'succeeded'));
    } finally {
      await setAppEnv('channel_tick_interval', tickBefore);
      await client.close();
      await runtime.stop();
    }
  },
);
