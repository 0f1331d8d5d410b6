import 'reflect-metadata';
import amqp, { type Channel, type ChannelModel, type Options } from 'amqplib';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { HEADERS, JSON_CONTENT_TYPE, PROTOCOL_VERSION } from '../../src/protocol/headers';
import { RpcTimeoutError, Runtime } from '../../src';
import { RetryJobs } from '../fixtures/jobs/retry-jobs';
import { runLog } from '../fixtures/jobs/run-log';
import { captureLogger, collectTaskEvents, fixtureConfig, randomNamespace, startFixtureStack, type FixtureStack } from '../support/fixture-runtime';
import { requireBroker } from '../support/requirements';

const node = requireBroker();

/**
 * Messages as other AMQP clients send them, straight to a work queue, with headers Warren would
 * never write: each must end in a bounded number of runs and one dead-letter entry (or, expired,
 * in none), never in a requeue loop.
 */
describe('messages from other AMQP clients on RabbitMQ', { skip: node.skip }, () => {
  const captured = captureLogger('warn');
  let stack: FixtureStack;
  let connection: ChannelModel;
  let channel: Channel;
  let namespace: string;

  before(async () => {
    namespace = randomNamespace();
    stack = await startFixtureStack(node!.url, namespace, {}, captured.logger);
    connection = await amqp.connect(node!.url);
    channel = await connection.createChannel();
  });
  after(async () => {
    await connection?.close();
    await stack?.stop();
  });

  const taskMessage = (task: string, args: unknown[], headers: Record<string, unknown> = {}): [Buffer, Options.Publish] => {
    const id = randomUUID();
    return [
      Buffer.from(JSON.stringify({ args })),
      { messageId: id, correlationId: id, contentType: JSON_CONTENT_TYPE, persistent: true, headers: { [HEADERS.protocol]: PROTOCOL_VERSION, [HEADERS.task]: task, ...headers } },
    ];
  };
  /** Waits for the one dead-letter entry of `id` in the fx-retry queue's dead-letter queue (and takes it). */
  const deadLetterOf = async (id: string): Promise<amqp.GetMessage> => {
    const queue = `${namespace}.fx-retry.dead`;
    for (;;) {
      const message = await channel.get(queue, { noAck: false });
      if (message && message.properties.messageId === id) {
        channel.ack(message);
        return message;
      }
      if (message) channel.nack(message, false, true);
      else await new Promise((resolve) => setTimeout(resolve, 50)); // polling the queue: get has no wait
    }
  };
  const handlingFailures = () => captured.lines.filter((line) => line.includes('delivery handling failed')).length;

  test('a retrying task sent straight to its queue (routing key = queue name) is retried by its task name, then dead-lettered after maxAttempts', { timeout: 30_000 }, async () => {
    const key = `direct-${randomUUID()}`;
    const [body, properties] = taskMessage('RetryJobs.alwaysFails', [key]);
    const finished = collectTaskEvents(stack.runtime, 3, (event) => event.taskId === properties.messageId);
    channel.sendToQueue(`${namespace}.fx-retry`, body, properties);
    const events = await finished;
    assert.deepEqual(
      events.map((event) => event.outcome),
      ['retried', 'retried', 'failed'],
    );
    assert.equal(runLog.starts.get(key), 3);
    const dead = await deadLetterOf(properties.messageId as string);
    assert.equal(dead.properties.headers?.[HEADERS.deadAttempts], 3);
  });

  test('x-warren-max-attempts "1e308" from a header is capped by the task policy (3), not run without end', { timeout: 30_000 }, async () => {
    const key = `cap-${randomUUID()}`;
    const [body, properties] = taskMessage('RetryJobs.alwaysFails', [key], { [HEADERS.maxAttempts]: '1e308' });
    const finished = collectTaskEvents(stack.runtime, 3, (event) => event.taskId === properties.messageId);
    channel.publish(`${namespace}.tasks`, 'RetryJobs.alwaysFails', body, properties);
    assert.equal((await finished).at(-1)?.outcome, 'failed');
    await deadLetterOf(properties.messageId as string);
    assert.equal(runLog.starts.get(key), 3);
  });

  test('a header amqplib cannot write back (a double below -2^63) does not stop its retry and dead-letter copies', { timeout: 30_000 }, async () => {
    const key = `double-${randomUUID()}`;
    const [body, properties] = taskMessage('RetryJobs.alwaysFails', [key], { 'x-foreign-balance': { '!': 'double', value: -1e19 } });
    const before = handlingFailures();
    const finished = collectTaskEvents(stack.runtime, 3, (event) => event.taskId === properties.messageId);
    channel.sendToQueue(`${namespace}.fx-retry`, body, properties);
    assert.deepEqual(
      (await finished).map((event) => event.outcome),
      ['retried', 'retried', 'failed'],
    );
    const dead = await deadLetterOf(properties.messageId as string);
    assert.equal(dead.properties.headers?.['x-foreign-balance'], -1e19, 'the header travels on as the double it was');
    assert.match(String(dead.properties.headers?.[HEADERS.deadReason]), /always fails \(attempt 3\)/);
    assert.equal(handlingFailures(), before, 'no delivery was requeued for a failed copy');
  });

  test('a message whose headers leave no room for the dead-letter copy (65,200 bytes of them) goes to the dead-letter exchange as it is, once, logged', { timeout: 30_000 }, async () => {
    // 32 headers of 1,990 characters, and one that brings the table to 65,200 of amqplib's 65,536 bytes.
    const headers: Record<string, string> = Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`x-foreign-${i}`, 'h'.repeat(1_990)]));
    const tableBytes = (table: Record<string, unknown>) => Object.entries(table).reduce((sum, [name, value]) => sum + 1 + Buffer.byteLength(name) + 1 + 4 + Buffer.byteLength(String(value)), 0);
    headers['x-foreign-fill'] = '';
    headers['x-foreign-fill'] = 'f'.repeat(65_200 - tableBytes({ ...headers, ...taskMessage('RetryJobs.permanent', ['wide-00000000-0000-0000-0000-000000000000'])[1].headers }));
    const [body, properties] = taskMessage('RetryJobs.permanent', [`wide-${randomUUID()}`], headers);
    const before = handlingFailures();
    const failed = collectTaskEvents(stack.runtime, 1, (event) => event.taskId === properties.messageId);
    const logged = captured.waitFor(new RegExp(`copy of ${properties.messageId} cannot be encoded`));
    channel.sendToQueue(`${namespace}.fx-retry`, body, properties);
    assert.equal((await failed)[0]?.outcome, 'failed');
    assert.match(await logged, /rejecting the original to the dead-letter exchange as it is/);
    const dead = await deadLetterOf(properties.messageId as string);
    const [death] = dead.properties.headers?.['x-death'] as Array<{ reason: string; queue: string; count: number }>;
    assert.deepEqual([death?.reason, death?.queue, death?.count], ['rejected', `${namespace}.fx-retry`, 1], 'the broker moved the original once');
    assert.equal(dead.properties.headers?.['x-foreign-31'], 'h'.repeat(1_990));
    assert.equal(handlingFailures(), before, 'no delivery was requeued');
  });

  test('a task whose deadline passed before a runtime took it is not run, not dead-lettered, and counted as expired', { timeout: 30_000 }, async () => {
    const key = `late-${randomUUID()}`;
    const [body, properties] = taskMessage('RetryJobs.alwaysFails', [key], { [HEADERS.deadline]: Date.now() - 5_000 });
    const expired = collectTaskEvents(stack.runtime, 1, (event) => event.taskId === properties.messageId);
    channel.sendToQueue(`${namespace}.fx-retry`, body, properties);
    const [event] = await expired;
    assert.equal(event?.outcome, 'expired');
    assert.equal(event?.error?.name, 'TaskExpiredError');
    assert.match(String(event?.error?.message), /expired \d+ ms before a runtime could start it/);
    assert.equal(runLog.starts.get(key), undefined, 'it never ran');
    assert.equal((await stack.client.status(properties.messageId as string)).state, 'expired');
  });
});

describe('awaited calls carry their timeout as a deadline', { skip: node.skip }, () => {
  test('given no runtime serving, when a call times out, then the runtime that comes later does not run it', { timeout: 60_000 }, async () => {
    const namespace = randomNamespace();
    // A first runtime declares the namespace, then leaves: the queue holds what is sent meanwhile.
    const first = await startFixtureStack(node!.url, namespace);
    await first.runtime.stop();
    const key = `gave-up-${randomUUID()}`;
    await assert.rejects(first.client.proxy(RetryJobs).gate.with({ timeoutMs: 300 })(key), RpcTimeoutError);
    const enqueued = await first.client.proxy(RetryJobs).gate.with({ expiresInMs: 60_000 }).enqueue(`${key}-enqueued`);
    runLog.released.add(`${key}-enqueued`);
    // Its deliveries may be handled before start() returns: the log, which keeps every line, is where to wait.
    const log = captureLogger('info');
    const second = await Runtime.start({ config: fixtureConfig(node!.url, namespace), logger: log.logger });
    try {
      const expired = await log.waitFor(/RetryJobs\.gate expired: TaskExpiredError/);
      const succeeded = await log.waitFor(/RetryJobs\.gate succeeded/);
      assert.match(succeeded, new RegExp(enqueued), 'an enqueued task within its expiry runs');
      assert.doesNotMatch(expired, new RegExp(enqueued));
      assert.equal(runLog.starts.get(key), undefined, 'the timed-out call never ran');
    } finally {
      await first.client.close();
      await second.stop();
    }
  });
});
