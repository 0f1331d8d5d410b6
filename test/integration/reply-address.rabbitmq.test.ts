import 'reflect-metadata';
import amqp from 'amqplib';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import type { TaskEvent } from '../../src';
import { HEADERS, JSON_CONTENT_TYPE, PROTOCOL_VERSION } from '../../src/protocol/headers';
import { MathJobs } from '../fixtures/jobs/fixture-jobs';
import { nextTaskEvent, randomNamespace, startFixtureStack } from '../support/fixture-runtime';
import { requireBroker } from '../support/requirements';

const node = requireBroker();
const MAX_REDELIVERIES = 2;

/**
 * A direct reply-to address with a well-formed pid of a node the broker does not know: its shape
 * passes the runtime's check, and RabbitMQ 3.10 closes the whole connection when a reply is
 * published to it.
 */
function unknownNodeReplyTo(): string {
  const node = Buffer.from('reply@1');
  const pid = Buffer.concat([Buffer.from([131, 88, 119, node.length]), node, Buffer.alloc(12, 7)]);
  return `amq.rabbitmq.reply-to.${pid.toString('base64')}.a2V5`;
}

describe('a reply address that breaks the connection', { skip: node.skip }, () => {
  test('the task is given up after maxRedeliveries, dead-lettered once, and the runtime keeps serving', { timeout: 60_000 }, async () => {
    const namespace = randomNamespace();
    const stack = await startFixtureStack(node!.url, namespace, { maxRedeliveries: MAX_REDELIVERIES });
    const connection = await amqp.connect(node!.url);
    const events: TaskEvent[] = [];
    stack.runtime.on('task', (event: TaskEvent) => {
      if (event.taskId === 'breaks-connection') events.push(event);
    });
    try {
      const channel = await connection.createConfirmChannel();
      const rejected = nextTaskEvent(stack.runtime, (event) => event.taskId === 'breaks-connection' && event.outcome === 'rejected');
      channel.publish(`${namespace}.tasks`, 'Maths.add', Buffer.from('{"args":[1,2]}'), {
        messageId: 'breaks-connection',
        correlationId: 'breaks-connection',
        replyTo: unknownNodeReplyTo(),
        contentType: JSON_CONTENT_TYPE,
        persistent: true,
        headers: { [HEADERS.protocol]: PROTOCOL_VERSION, [HEADERS.task]: 'Maths.add' },
      });
      await channel.waitForConfirms();

      assert.equal((await rejected).error?.name, 'RedeliveryLimitError');
      // Its rejection reply breaks the connection once more; the message was acknowledged before it.
      await once(stack.runtime, 'reconnected');
      assert.equal(await stack.client.proxy(MathJobs).add(2, 3), 5);

      assert.deepEqual(
        events.map((event) => event.outcome),
        [...Array<string>(MAX_REDELIVERIES + 1).fill('succeeded'), 'rejected'],
      );
      assert.equal((await channel.checkQueue(`${namespace}.fx-io`)).messageCount, 0);
      assert.equal((await channel.checkQueue(`${namespace}.fx-io.dead`)).messageCount, 1);
    } finally {
      await connection.close();
      await stack.stop();
    }
  });
});
