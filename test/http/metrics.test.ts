import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { register as globalRegistry } from 'prom-client';
import { createRuntimeMetrics, QueueDepthCache, RemoteTaskError } from '../../src';
import { encodeTaskRequest } from '../../src/protocol/task-request';
import { HEADERS } from '../../src/protocol/headers';
import { memoryBrokerFor } from '../../src/transport/memory-broker';
import { CpuJobs, IoJobs, MathJobs } from '../fixtures/jobs/fixture-jobs';
import { RetryJobs } from '../fixtures/jobs/retry-jobs';
import { collectTaskEvents, randomNamespace } from '../support/fixture-runtime';
import { request, startHttpStack } from './http-fixture';

const TIMEOUT = { timeout: 30_000 };

/** The value of one sample line, e.g. `warren_tasks_total{task="Maths.add",...}`; labels in any order. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => have[key] === value)) return Number(match[3]);
  }
  return undefined;
}

describe('/metrics', () => {
  test('given a few tasks of every outcome, when scraped, then counters, histograms, gauges and depths describe them', TIMEOUT, async () => {
    const stack = await startHttpStack();
    try {
      const ns = stack.config.broker.namespace;
      // 3 adds, 1 CPU echo, 1 failure (dead-lettered), a flaky task (retried, then succeeded),
      // and a message for a task nobody serves (rejected, dead-lettered).
      const events = collectTaskEvents(stack.runtime, 8);
      const maths = stack.client.proxy(MathJobs);
      await Promise.all([maths.add(1, 2), maths.add(3, 4), maths.add(5, 6)]);
      assert.equal(await stack.client.proxy(CpuJobs).echo('cpu'), 'cpu');
      await assert.rejects(stack.client.proxy(IoJobs).fail('for the metrics'), RemoteTaskError);
      assert.equal(await stack.client.proxy(RetryJobs).flaky(`flaky-${randomNamespace()}`, 1), 2);
      const ghost = encodeTaskRequest({ id: 'ghost-1', task: 'Ghost.task', args: [], attempt: 1 }, 1024);
      memoryBrokerFor(stack.url).publish('', `${ns}.fx-io`, ghost.body, { ...ghost.properties, headers: { ...ghost.properties.headers, [HEADERS.task]: 'Ghost.task' } });
      await events;

      const scrape = await request(stack.http.url, '/metrics');
      assert.equal(scrape.status, 200);
      assert.match(String(scrape.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      const text = scrape.body;

      assert.equal(sample(text, 'warren_tasks_total', { task: 'Maths.add', queue: 'fx-io', pool: 'io', outcome: 'succeeded' }), 3);
      assert.equal(sample(text, 'warren_tasks_total', { task: 'CpuJobs.echo', pool: 'cpu', outcome: 'succeeded' }), 1);
      assert.equal(sample(text, 'warren_tasks_total', { task: 'IoJobs.fail', outcome: 'failed' }), 1);
      assert.equal(sample(text, 'warren_tasks_total', { task: 'RetryJobs.flaky', outcome: 'retried' }), 1);
      assert.equal(sample(text, 'warren_tasks_total', { task: 'RetryJobs.flaky', outcome: 'succeeded' }), 1);
      assert.equal(sample(text, 'warren_tasks_total', { task: '(unknown)', outcome: 'rejected' }), 1, 'a junk task name is not a label');
      assert.doesNotMatch(text, /Ghost\.task/);

      assert.equal(sample(text, 'warren_task_duration_seconds_count', { task: 'Maths.add', outcome: 'succeeded' }), 3);
      assert.equal(sample(text, 'warren_task_duration_seconds_bucket', { task: 'Maths.add', outcome: 'succeeded', le: '+Inf' }), 3);
      assert.equal(sample(text, 'warren_task_queue_wait_seconds_count', { task: 'Maths.add' }), 3);
      assert.equal(sample(text, 'warren_task_retries_total', { task: 'RetryJobs.flaky', queue: 'fx-retry' }), 1);
      assert.equal(sample(text, 'warren_dead_letters_total', { task: 'IoJobs.fail', queue: 'fx-io', outcome: 'failed' }), 1);
      assert.equal(sample(text, 'warren_dead_letters_total', { task: '(unknown)', queue: 'fx-io', outcome: 'rejected' }), 1);

      assert.equal(sample(text, 'warren_pool_capacity', { pool: 'cpu' }), 2, 'the fixture runs 2 CPU threads');
      assert.equal(sample(text, 'warren_pool_in_flight', { pool: 'io' }), 0);
      assert.equal(sample(text, 'warren_pool_worker_restarts_total', { pool: 'cpu' }), 0);
      assert.equal(sample(text, 'warren_queue_prefetch', { queue: 'fx-io', pool: 'io' }), 8);
      assert.equal(sample(text, 'warren_broker_reconnects_total'), 0);
      assert.equal(sample(text, 'warren_runtime_ready'), 1);

      assert.equal(sample(text, 'warren_queue_depth', { queue: 'fx-io' }), 0);
      assert.equal(sample(text, 'warren_queue_consumers', { queue: 'fx-io' }), 1);
      assert.equal(sample(text, 'warren_dead_letter_depth', { queue: 'fx-io' }), 2, 'the failure and the rejected message');

      assert.notEqual(sample(text, 'warren_nodejs_eventloop_lag_seconds'), undefined);
      assert.notEqual(sample(text, 'warren_process_cpu_user_seconds_total'), undefined);
      assert.doesNotMatch(await globalRegistry.metrics(), /warren_/, "prom-client's global registry is left alone");
    } finally {
      await stack.stop();
    }
  });

  test('given a broker that stops answering, when scraped, then the last depths come at once with their age, and the failed question is counted', TIMEOUT, async () => {
    const stack = await startHttpStack();
    let answering = true;
    const real = () => stack.runtime.admin.queues(stack.runtime.snapshot().queues.map((queue) => queue.queue));
    // A question that never ends, and a timeout past this test's own: a scrape that waited for it would never finish.
    const depths = new QueueDepthCache(() => (answering ? real() : new Promise<never>(() => {})), { ttlMs: 0, timeoutMs: 10 * 60_000 });
    const metrics = createRuntimeMetrics(stack.runtime, { depths });
    try {
      assert.match(await metrics.render(), /^warren_queue_depth\{queue="fx-io"\} 0$/m);
      answering = false;
      const during = await metrics.render();
      assert.match(during, /^warren_queue_depth\{queue="fx-io"\} 0$/m, 'the last answer, not nothing');
      assert.match(during, /^warren_queue_depth_age_seconds \d/m);
      assert.match(during, /^warren_runtime_ready 1$/m);
    } finally {
      metrics.close();
      await stack.stop();
    }
  });

  test('no gauge or histogram carries the _total suffix Prometheus keeps for counters (promtool check metrics refuses it)', TIMEOUT, async () => {
    const stack = await startHttpStack();
    try {
      const { body } = await request(stack.http.url, '/metrics');
      const types = [...body.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(([, name, type]) => ({ name: name as string, type: type as string }));
      assert.ok(types.some((metric) => metric.name === 'warren_nodejs_active_handles' && metric.type === 'gauge'), 'the handle counts by type stay');
      assert.deepEqual(types.filter((metric) => metric.name.endsWith('_total') && metric.type !== 'counter'), []);
    } finally {
      await stack.stop();
    }
  });

  test('given a CPU task that exits its worker, when scraped, then the worker restart is counted', TIMEOUT, async () => {
    const stack = await startHttpStack();
    try {
      await assert.rejects(stack.client.proxy(CpuJobs).exit(3), RemoteTaskError);
      await stack.client.proxy(CpuJobs).echo('the pool recovered');
      const text = (await request(stack.http.url, '/metrics')).body;
      assert.equal(sample(text, 'warren_pool_worker_restarts_total', { pool: 'cpu' }), 1);
      const again = (await request(stack.http.url, '/metrics')).body;
      assert.equal(sample(again, 'warren_pool_worker_restarts_total', { pool: 'cpu' }), 1, 'a second scrape does not count it twice');
    } finally {
      await stack.stop();
    }
  });
});
