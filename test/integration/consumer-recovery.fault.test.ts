import 'reflect-metadata';
import amqp from 'amqplib';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { createRuntimeMetrics, startHttpServer, type HttpServer, type Runtime } from '../../src';
import { IoJobs } from '../fixtures/jobs/fixture-jobs';
import { request } from '../http/http-fixture';
import { captureLogger, randomNamespace, startFixtureStack, type FixtureStack } from '../support/fixture-runtime';
import type { RabbitNode } from '../support/rabbitmq-node';
import { requireRabbitNode } from '../support/requirements';

// consumer_timeout and delete_queue need rabbitmqctl on the node, not just a URL.
const node = requireRabbitNode();
const TASKS_AFTER = 100;

/** Rejects after `ms` naming what did not happen: a test without the fix fails here, not at the runner's timeout. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Polls the broker until `check` holds, within a bound. */
async function brokerEventually(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`broker never showed: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function queueState(rabbit: RabbitNode, queue: string): Promise<{ consumers: number; messages: number; unacked: number } | undefined> {
  const rows = JSON.parse(await rabbit.ctl(['list_queues', 'name', 'consumers', 'messages_ready', 'messages_unacknowledged', '--formatter', 'json'])) as Array<{
    name: string;
    consumers: number;
    messages_ready: number;
    messages_unacknowledged: number;
  }>;
  const row = rows.find((candidate) => candidate.name === queue);
  return row && { consumers: row.consumers, messages: row.messages_ready, unacked: row.messages_unacknowledged };
}

/** Sends `count` calls after the recovery and counts them: every one must complete. */
async function sendAndCount(stack: FixtureStack, count: number): Promise<{ sent: number; completed: number; lost: number }> {
  const io = stack.client.proxy(IoJobs);
  const results = await Promise.allSettled(Array.from({ length: count }, (_, i) => io.echo.with({ timeoutMs: 15_000 })(i)));
  const completed = results.filter((result, i) => result.status === 'fulfilled' && result.value === i).length;
  return { sent: count, completed, lost: count - completed };
}

/** /readyz asked the moment the runtime reports the lost consumer, before its 100 ms backoff ends. */
function readinessWhenLost(runtime: Runtime, http: HttpServer): Promise<{ status: number; body: { ready: boolean; state: string; missingConsumers?: string[] }; queue: string; error: Error }> {
  return new Promise((resolve, reject) => {
    runtime.once('consumerLost', (queue, error) => {
      request(http.url, '/readyz').then((answer) => resolve({ status: answer.status, body: answer.json(), queue, error }), reject);
    });
  });
}

describe('a consumer the broker takes away is restored', { skip: node.skip }, () => {
  const rabbit: RabbitNode = node;
  /** The rabbit application's setting on the node, as `{ok,Value}` or `undefined`. */
  const appEnv = async (key: string): Promise<string | undefined> => /^\{ok,(\d+)\}$/.exec((await rabbit.ctl(['eval', `application:get_env(rabbit, ${key}).`])).trim())?.[1];
  const setAppEnv = async (key: string, value: string | undefined): Promise<void> => {
    await rabbit.ctl(['eval', value === undefined ? `application:unset_env(rabbit, ${key}).` : `application:set_env(rabbit, ${key}, ${value}).`]);
  };

  test('given a consumer_timeout, when a task holds its delivery past it, then the channel is reopened, /readyz says 503 meanwhile, and every later task completes', { timeout: 90_000 }, async () => {
    const namespace = randomNamespace();
    const queue = `${namespace}.fx-io`;
    const captured = captureLogger('info');
    // consumer_timeout is read when a channel opens: only the runtime's first channels get 1 s;
    // it is put back right after the start, so the reopened channel has the default. RabbitMQ
    // 3.10 checks it on each channel's tick (channel_tick_interval, 60 s by default), so the tick
    // is shortened until the loss is seen.
    const timeoutBefore = await appEnv('consumer_timeout');
    const tickBefore = await appEnv('channel_tick_interval');
    await setAppEnv('channel_tick_interval', '200');
    await setAppEnv('consumer_timeout', '1000');
    let stack: FixtureStack;
    try {
      stack = await startFixtureStack(rabbit.url, namespace, {}, captured.logger);
    } finally {
      await setAppEnv('consumer_timeout', timeoutBefore);
    }
    const http = await startHttpServer(stack.runtime, { port: 0 });
    const metrics = createRuntimeMetrics(stack.runtime);
    try {
      const whenLost = readinessWhenLost(stack.runtime, http);
      const restored = once(stack.runtime, 'consumerRestored');
      // Given a task that holds its delivery (unacknowledged) for 4 s, past the 1 s timeout.
      const slow = stack.client.proxy(IoJobs).sleep.with({ timeoutMs: 30_000 })(4_000);

      // Then the loss is seen, logged as an error, and /readyz names the queue.
      const lost = await within(whenLost, 20_000, 'the lost consumer was never reported');
      assert.equal(lost.queue, queue);
      assert.match(lost.error.message, /delivery acknowledgement on channel \d+ timed out/);
      assert.equal(lost.status, 503);
      assert.deepEqual(lost.body, { ready: false, state: 'consumer missing', missingConsumers: [queue] });
      assert.match(await captured.waitFor(/took away the consumer/), /"level":50.*delivery acknowledgement/);
      await setAppEnv('channel_tick_interval', tickBefore);

      // And restored: the broker sees a consumer again, and readiness is back.
      await within(restored, 15_000, 'the consumer was never restored');
      await brokerEventually(`${queue} has one consumer`, async () => (await queueState(rabbit, queue))?.consumers === 1);
      assert.equal((await request(http.url, '/readyz')).status, 200);
      assert.match(await metrics.render(), new RegExp(`warren_consumer_restarts_total\\{queue="${queue}"\\} 1`));
      assert.match(await metrics.render(), new RegExp(`warren_consumer_up\\{queue="${queue}"\\} 1`));

      // Every task sent afterwards completes, and the held one answers too.
      assert.deepEqual(await sendAndCount(stack, TASKS_AFTER), { sent: TASKS_AFTER, completed: TASKS_AFTER, lost: 0 });
      assert.equal(await slow, 4_000);
      // Its first run's ack went nowhere (its channel was dead); acked on the new channel it
      // would have closed that one too (unknown delivery tag). The redelivered copy runs and is
      // acknowledged: the queue ends empty, with nothing unacknowledged.
      await brokerEventually(`${queue} empty and settled`, async () => {
        const state = await queueState(rabbit, queue);
        return state?.messages === 0 && state.unacked === 0 && state.consumers === 1;
      });
      assert.deepEqual(stack.runtime.missingConsumers, [], 'lost only once');
    } finally {
      await setAppEnv('channel_tick_interval', tickBefore);
      metrics.close();
      await http.close();
      await stack.stop();
    }
  });

  test('given a task in flight, when an operator deletes the queue, then it is declared again with its bindings, consumed again, and the task in flight still answers', { timeout: 60_000 }, async () => {
    const namespace = randomNamespace();
    const queue = `${namespace}.fx-io`;
    const captured = captureLogger('warn');
    const stack = await startFixtureStack(rabbit.url, namespace, {}, captured.logger);
    const http = await startHttpServer(stack.runtime, { port: 0 });
    try {
      const io = stack.client.proxy(IoJobs);
      assert.equal(await io.echo('before'), 'before');
      const running = once(stack.runtime, 'started');
      const held = io.sleep(3_000);
      await running;

      const whenLost = readinessWhenLost(stack.runtime, http);
      const restored = once(stack.runtime, 'consumerRestored');
      await rabbit.ctl(['delete_queue', queue]);

      const lost = await within(whenLost, 15_000, 'the cancelled consumer was never reported');
      assert.equal(lost.queue, queue);
      assert.match(lost.error.message, /cancelled the consumer/);
      assert.equal(lost.status, 503);
      assert.deepEqual(lost.body.missingConsumers, [queue]);
      await within(restored, 15_000, 'the consumer was never restored');

      const queues = await rabbit.listQueues();
      const declared = queues.find((candidate) => candidate.name === queue);
      assert.ok(declared, 'the queue exists again');
      assert.deepEqual(declared.arguments, { 'x-dead-letter-exchange': `${namespace}.dead`, 'x-dead-letter-routing-key': 'fx-io' });
      assert.equal(declared.consumers, 1);
      assert.equal((await request(http.url, '/readyz')).status, 200);

      // The task that was running when its queue went is acknowledged on its own channel, which
      // stays open, and its caller gets the answer.
      assert.equal(await held, 3_000);
      assert.deepEqual(await sendAndCount(stack, TASKS_AFTER), { sent: TASKS_AFTER, completed: TASKS_AFTER, lost: 0 });
      await brokerEventually(`${queue} empty and settled`, async () => {
        const state = await queueState(rabbit, queue);
        return state?.messages === 0 && state.unacked === 0 && state.consumers === 1;
      });
      assert.deepEqual(stack.runtime.missingConsumers, []);
    } finally {
      await http.close();
      await stack.stop();
    }
  });

  test('given a queue that cannot be declared again for a while, when its consumer is lost, then restoring backs off (doubling waits) and succeeds once it can', { timeout: 60_000 }, async () => {
    const namespace = randomNamespace();
    const queue = `${namespace}.fx-io`;
    const captured = captureLogger('warn');
    const stack = await startFixtureStack(rabbit.url, namespace, {}, captured.logger);
    const raw = await amqp.connect(rabbit.url);
    try {
      const lost = once(stack.runtime, 'consumerLost');
      const restored = once(stack.runtime, 'consumerRestored');
      // An exclusive queue of the same name on another connection: declaring the runtime's queue
      // fails (RESOURCE_LOCKED) until that connection closes.
      await rabbit.ctl(['delete_queue', queue]);
      await (await raw.createChannel()).assertQueue(queue, { exclusive: true, durable: false });
      await within(lost, 15_000, 'the consumer loss was never reported');

      const failedAt = (): number[] => captured.lines.filter((line) => line.includes('restoring the consumer')).map((line) => (JSON.parse(line) as { time: number }).time);
      await brokerEventually('four failed restore attempts', async () => failedAt().length >= 4);
      const times = failedAt();
      const gaps = times.slice(1).map((at, i) => at - (times[i] as number));
      assert.ok(
        gaps.every((gap, i) => gap >= 150 && (i === 0 || gap >= (gaps[i - 1] as number) * 1.5)),
        `each wait at least doubles, never a hot loop: ${gaps.join(', ')} ms`,
      );
      assert.equal(stack.runtime.ready, false);
      assert.deepEqual(stack.runtime.missingConsumers, [queue]);

      await raw.close(); // the exclusive queue goes with its connection
      await within(restored, 15_000, 'the consumer was never restored');
      await brokerEventually(`${queue} has one consumer`, async () => (await queueState(rabbit, queue))?.consumers === 1);
      assert.equal(stack.runtime.ready, true);
      assert.deepEqual(await sendAndCount(stack, 20), { sent: 20, completed: 20, lost: 0 });
    } finally {
      await raw.close().catch(() => {});
      await stack.stop();
    }
  });
});
