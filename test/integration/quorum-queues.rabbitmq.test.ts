import 'reflect-metadata';
import amqp from 'amqplib';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { QueueTypeMismatchError, RemoteTaskError, Runtime, type ResolvedConfig } from '../../src';
import pino from 'pino';
import { describeDeadLetter } from '../../src/admin/dead-letter-entry';
import { HEADERS } from '../../src/protocol/headers';
import type { Delivery } from '../../src/transport/transport';
import { encodeTaskRequest } from '../../src/protocol/task-request';
import { TopologyNames } from '../../src/topology/topology';
import type { TaskStartedEvent } from '../../src/runtime/task-event';
import { CpuJobs, IoJobs } from '../fixtures/jobs/fixture-jobs';
import { RetryJobs } from '../fixtures/jobs/retry-jobs';
import { runLog } from '../fixtures/jobs/run-log';
import { collectTaskEvents, fixtureConfig, randomNamespace, startFixtureStack, type FixtureStack } from '../support/fixture-runtime';
import { requireRabbitNode } from '../support/requirements';

const node = requireRabbitNode();
const MAX_REDELIVERIES = 2;
const silent = pino({ level: 'silent' });

/** The fixture config with every queue quorum, and a small poison bound so tests abandon a message only a few times. */
function quorum(url: string, namespace: string, queueType: 'quorum' | 'classic' = 'quorum'): Partial<ResolvedConfig> {
  const base = fixtureConfig(url, namespace);
  return { broker: { ...base.broker, queueType }, maxRedeliveries: MAX_REDELIVERIES };
}

describe('quorum queues on RabbitMQ', { skip: node.skip }, () => {
  let connection: amqp.ChannelModel;
  let stack: FixtureStack;
  const namespace = randomNamespace();
  const names = new TopologyNames(namespace);
  const namespaces = [namespace];

  /** Consumes a message and closes the channel without settling it, `times` times: what runtimes that crash on it leave behind. */
  async function abandon(queue: string, times: number): Promise<Record<string, unknown>> {
    let headers: Record<string, unknown> = {};
    for (let i = 0; i < times; i++) {
      const channel = await connection.createChannel();
      headers = await new Promise<Record<string, unknown>>((resolve) => void channel.consume(queue, (message) => message && resolve({ ...message.properties.headers })));
      await channel.close();
    }
    return headers;
  }

  async function takeOne(queue: string): Promise<Record<string, unknown>> {
    const channel = await connection.createChannel();
    const headers = await new Promise<Record<string, unknown>>((resolve) =>
      void channel.consume(queue, (message) => {
        if (!message) return;
        channel.ack(message);
        resolve({ ...message.properties.headers });
      }),
    );
    await channel.close();
    return headers;
  }

  /** A namespace whose queues are declared (quorum) and that nobody consumes, with one message on its I/O queue. */
  async function declaredWithMessage(id: string, key: string): Promise<string> {
    const own = randomNamespace();
    namespaces.push(own);
    await (await startFixtureStack(node!.url, own, quorum(node!.url, own))).stop();
    const request = encodeTaskRequest({ id, task: 'IoJobs.hold', args: [key, 1], attempt: 1 }, 1024);
    const channel = await connection.createConfirmChannel();
    channel.sendToQueue(`${own}.fx-io`, request.body, { ...request.properties, headers: request.properties.headers ?? {} });
    await channel.waitForConfirms();
    await channel.close();
    return own;
  }

  before(async () => {
    connection = await amqp.connect(node!.url, { noDelay: true });
    stack = await startFixtureStack(node!.url, namespace, quorum(node!.url, namespace));
  });
  after(async () => {
    await stack?.stop();
    // Quorum queues hold a Raft group each on the shared node: leave none behind.
    const mine = (await node!.listQueues()).filter((queue) => namespaces.some((ns) => queue.name.startsWith(`${ns}.`)));
    const channel = await connection.createChannel();
    for (const queue of mine) await channel.deleteQueue(queue.name);
    await connection?.close();
  });

  test('work, dead-letter and delay queues are quorum; consumers take their own prefetch, not a global one', async () => {
    const queues = new Map((await node!.listQueues()).filter((queue) => queue.name.startsWith(`${namespace}.`)).map((queue) => [queue.name, queue.arguments]));
    assert.deepEqual(queues.get(`${namespace}.fx-io`), {
      'x-dead-letter-exchange': `${namespace}.dead`,
      'x-dead-letter-routing-key': 'fx-io',
      'x-dead-letter-strategy': 'at-least-once',
      'x-delivery-limit': MAX_REDELIVERIES + 1,
      'x-overflow': 'reject-publish',
      'x-queue-type': 'quorum',
    });
    assert.deepEqual(queues.get(`${namespace}.fx-io.dead`), { 'x-queue-type': 'quorum' });
    assert.equal(queues.get(names.delayLevelQueue(7))?.['x-queue-type'], 'quorum');
    assert.equal(queues.get(`${namespace}.control.${stack.runtime.id}`)?.['x-queue-type'], undefined, 'a control queue is not durable: classic');

    const consumers = JSON.parse(await node!.ctl(['list_consumers', 'queue_name', 'prefetch_count', '--formatter', 'json'])) as Array<{ queue_name: string; prefetch_count: number }>;
    assert.equal(consumers.find((consumer) => consumer.queue_name === `${namespace}.fx-io`)?.prefetch_count, 8);
  });

  test('a task succeeds, on the I/O and the CPU pool', async () => {
    assert.equal(await stack.client.proxy(IoJobs).echo('quorum'), 'quorum');
    assert.equal(await stack.client.proxy(CpuJobs).echo('on a thread'), 'on a thread');
  });

  test('a retry with backoff runs again, through the quorum delay levels', async () => {
    const key = `flaky-${randomNamespace()}`;
    assert.equal(await stack.client.proxy(RetryJobs).flaky(key, 2), 3);
    const [t1, t2, t3] = runLog.times.get(key) ?? [];
    assert.ok((t2 ?? 0) - (t1 ?? 0) >= 100 && (t3 ?? 0) - (t2 ?? 0) >= 200, 'each attempt after its backoff');
  });

  test('a countdown task starts after its due time', async () => {
    let started: TaskStartedEvent | undefined;
    const listener = (event: TaskStartedEvent) => void (event.task === 'IoJobs.echo' && (started = event));
    stack.runtime.on('started', listener);
    const finished = collectTaskEvents(stack.runtime, 1, (event) => event.task === 'IoJobs.echo' && event.outcome === 'succeeded');
    try {
      const calledAt = Date.now();
      await stack.client.proxy(IoJobs).echo.with({ delayMs: 700 }).enqueue('later');
      await finished;
      const late = (started?.at ?? 0) - (calledAt + 700);
      assert.ok(late >= 0 && late < 1_000, `started ${late} ms after its due time`);
    } finally {
      stack.runtime.off('started', listener);
    }
  });

  test('a failing task is dead-lettered with its reason', async () => {
    const key = `always-${randomNamespace()}`;
    await assert.rejects(stack.client.proxy(RetryJobs).alwaysFails(key), (error: unknown) => error instanceof RemoteTaskError && error.remoteMessage === 'always fails (attempt 3)');
    const headers = await takeOne(`${namespace}.fx-retry.dead`);
    assert.equal(headers[HEADERS.deadReason], 'always fails (attempt 3)');
    assert.equal(headers[HEADERS.deadAttempts], 3);
  });

  test("a message redelivered past maxRedeliveries is dead-lettered as poison by the runtime, counted by the broker's x-delivery-count, not by copies", async () => {
    const key = `poison-${randomNamespace()}`;
    const own = await declaredWithMessage(`p-${key}`, key);
    const seen = await abandon(`${own}.fx-io`, MAX_REDELIVERIES + 1);
    assert.equal(seen['x-delivery-count'], MAX_REDELIVERIES, 'the broker counts the deliveries that ended unsettled');

    const next = await startFixtureStack(node!.url, own, quorum(node!.url, own));
    try {
      const headers = await takeOne(`${own}.fx-io.dead`);
      assert.equal(headers[HEADERS.deadErrorName], 'RedeliveryLimitError');
      assert.match(String(headers[HEADERS.deadReason]), new RegExp(`Delivered ${MAX_REDELIVERIES + 1} times without being acknowledged \\(limit ${MAX_REDELIVERIES}\\)`));
      assert.equal(headers[HEADERS.redeliveries], undefined, 'no counted copy was published');
      assert.equal(runLog.starts.get(key), undefined, 'never run');
    } finally {
      await next.stop();
    }
  });

  test("a message returned past the queue's x-delivery-limit is dead-lettered by the broker itself, and read back with that reason", async () => {
    const key = `limit-${randomNamespace()}`;
    const own = await declaredWithMessage(`l-${key}`, key);
    await abandon(`${own}.fx-io`, MAX_REDELIVERIES + 2); // no runtime sees it: only the broker's limit applies

    const headers = await takeOne(`${own}.fx-io.dead`);
    assert.equal(headers['x-first-death-reason'], 'delivery_limit');
    const entry = describeDeadLetter({ body: Buffer.from('[]'), properties: { headers } } as unknown as Delivery);
    assert.equal(entry.errorName, 'RedeliveryLimitError');
    assert.match(String(entry.reason), /x-delivery-limit/);
  });

  test('a redelivered message below the limit runs once, as it is', async () => {
    const key = `below-${randomNamespace()}`;
    const own = await declaredWithMessage(`b-${key}`, key);
    await abandon(`${own}.fx-io`, 1);
    const ran = new Promise<void>((resolve) => runLog.on('started', (started) => started === key && resolve()));
    const next = await startFixtureStack(node!.url, own, quorum(node!.url, own));
    await ran;
    await next.stop();
    assert.equal(runLog.starts.get(key), 1);
  });

  test('a start whose queue type differs from the queue on the broker fails naming the queue, both types and what to do', async () => {
    const fails = (error: unknown, existing: string, configured: string): boolean => {
      assert.ok(error instanceof QueueTypeMismatchError, String(error));
      assert.equal(error.existingType, existing);
      assert.equal(error.configuredType, configured);
      assert.match(error.message, new RegExp(`'${error.queue.replace(/\./g, '\\.')}'.*${existing} queue.*makes it ${configured}.*queueType: '${existing}'.*rabbitmqctl delete_queue`));
      return true;
    };
    await assert.rejects(Runtime.start({ config: fixtureConfig(node!.url, namespace, quorum(node!.url, namespace, 'classic')), logger: silent }), (error) => fails(error, 'quorum', 'classic'));

    const classic = randomNamespace();
    namespaces.push(classic);
    await (await Runtime.start({ config: fixtureConfig(node!.url, classic), logger: silent })).stop();
    await assert.rejects(Runtime.start({ config: fixtureConfig(node!.url, classic, quorum(node!.url, classic)), logger: silent }), (error) => fails(error, 'classic', 'quorum'));
  });
});
