import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { connect, RemoteTaskError, ResultTimeoutError, type ResolvedConfig, type TaskEvent } from '../../src';
import { RESULT_STORE_DEFAULTS } from '../../src/results/open-result-store';
import { CpuJobs, IoJobs } from '../fixtures/jobs/fixture-jobs';
import { runLog } from '../fixtures/jobs/run-log';
import { nextTaskEvent, randomNamespace, startFixtureStack, type FixtureStack } from '../support/fixture-runtime';

const TIMEOUT = { timeout: 90_000 };
const silent = pino({ level: 'silent' });

/** Results by id, on one broker and result store: the embedded pair, or RabbitMQ with PostgreSQL. */
export function resultStoreSuite(target: () => { brokerUrl: string; resultsUrl: string }): void {
  let stack: FixtureStack;
  let brokerUrl: string;
  let results: NonNullable<ResolvedConfig['results']>;

  before(async () => {
    const urls = target();
    brokerUrl = urls.brokerUrl;
    results = { ...RESULT_STORE_DEFAULTS, url: urls.resultsUrl, maxResultBytes: 64 * 1024 };
    stack = await startFixtureStack(brokerUrl, randomNamespace(), { results });
  });
  after(async () => {
    await stack?.stop();
  });

  /** Another client of the same namespace and store, as another process would have. */
  const anotherClient = () => connect({ url: brokerUrl, config: stack.config, logger: silent });

  test('1,000 tasks enqueued by a client that then closed are collected by id by another client', TIMEOUT, async () => {
    const sender = await anotherClient();
    const echo = sender.proxy(IoJobs).echo;
    const ids: string[] = [];
    for (let i = 0; i < 1_000; i++) ids.push(await echo.enqueue({ i }));
    await sender.close();

    const collector = await anotherClient();
    try {
      const collected = await Promise.all(ids.map((id) => collector.result<{ i: number }>(id, { timeoutMs: 60_000 })));
      assert.deepEqual(
        collected.map((value) => value.i),
        ids.map((_, i) => i),
      );
      const status = await collector.status(ids[0] as string);
      assert.equal(status.state, 'succeeded');
      assert.equal(status.source, 'store');
      assert.deepEqual(status.result, { i: 0 });
    } finally {
      await collector.close();
    }
  });

  test('a task that failed: result() rejects with its error, status() reads it from the store', TIMEOUT, async () => {
    const id = await stack.client.proxy(IoJobs).fail.enqueue('stored failure');
    const client = await anotherClient();
    try {
      await assert.rejects(client.result(id, { timeoutMs: 30_000 }), (error: unknown) => {
        assert.ok(error instanceof RemoteTaskError);
        assert.equal(error.remoteName, 'FixtureError');
        assert.match(error.message, /stored failure/);
        return true;
      });
      const status = await client.status(id);
      assert.equal(status.state, 'failed');
      assert.equal(status.source, 'store');
      assert.equal(status.error?.name, 'FixtureError');
    } finally {
      await client.close();
    }
  });

  test('a result over results.maxResultBytes fails its task with ResultTooLargeError, not a truncated row', TIMEOUT, async () => {
    const failed = nextTaskEvent(stack.runtime, (event: TaskEvent) => event.task === 'IoJobs.echo' && event.outcome === 'failed');
    await assert.rejects(stack.client.proxy(IoJobs).echo('x'.repeat(70_000)), (error: unknown) => {
      assert.ok(error instanceof RemoteTaskError);
      assert.equal(error.remoteName, 'ResultTooLargeError');
      assert.match(error.message, /over results\.maxResultBytes \(65536\)/);
      return true;
    });
    const event = await failed;
    const status = await stack.client.status(event.taskId);
    assert.equal(status.state, 'failed');
    assert.equal(status.error?.name, 'ResultTooLargeError');
    assert.equal(status.result, undefined);
  });

  test("an I/O task's progress shows in status() while it runs and stays on its row", TIMEOUT, async () => {
    const key = `progress-${randomNamespace()}`;
    const started = new Promise<void>((resolve) => runLog.on('started', (started) => started === key && resolve()));
    const id = await stack.client.proxy(IoJobs).progressUntilReleased.enqueue(key, { done: 3, of: 10 });
    await started;
    const running = await stack.client.status(id);
    assert.equal(running.state, 'running');
    assert.deepEqual(running.progress, { done: 3, of: 10 });
    runLog.released.add(key);
    assert.equal(await stack.client.result(id, { timeoutMs: 30_000 }), key);
    const finished = await stack.client.status(id);
    assert.equal(finished.state, 'succeeded');
    assert.deepEqual(finished.progress, { done: 3, of: 10 });
  });

  test("a CPU worker thread's progress reaches status() while the task runs", TIMEOUT, async () => {
    const id = await stack.client.proxy(CpuJobs).progressAndSpin.enqueue({ step: 'half' }, 2_000);
    let seen: unknown;
    // Polled, not slept: the status answers within the 2 s the task spins, or the task is done and the test fails.
    for (let asked = 0; seen === undefined && asked < 40; asked++) {
      const status = await stack.client.status(id, { timeoutMs: 50 });
      if (status.state === 'succeeded') break;
      seen = status.progress;
    }
    assert.deepEqual(seen, { step: 'half' });
    await stack.client.result(id, { timeoutMs: 30_000 });
    assert.deepEqual((await stack.client.status(id)).progress, { step: 'half' });
  });

  test('result() waits for a task that has not run yet (a countdown) and answers when it has', TIMEOUT, async () => {
    const id = await stack.client.proxy(IoJobs).echo.with({ delayMs: 400 }).enqueue('later');
    assert.equal(await stack.client.result(id, { timeoutMs: 30_000 }), 'later');
  });

  test('result() of an id nobody sent times out with ResultTimeoutError, naming the state', TIMEOUT, async () => {
    await assert.rejects(stack.client.result('no-such-task', { timeoutMs: 300 }), (error: unknown) => {
      assert.ok(error instanceof ResultTimeoutError);
      assert.equal(error.lastState, 'unknown');
      return true;
    });
  });
}
