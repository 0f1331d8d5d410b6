import 'reflect-metadata';
import amqp from 'amqplib';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RemoteTaskError, type TaskEvent } from '../../src';
import { IoJobs, MathJobs } from '../fixtures/jobs/fixture-jobs';
import { startFixtureStack } from '../support/fixture-runtime';
import { requireBroker } from '../support/requirements';

const node = requireBroker();

describe('lifecycle events on the events exchange', { skip: node.skip }, () => {
  test('a listener bound to task.* receives batches of started, succeeded and failed events with ids, names, pools and durations', { timeout: 60_000 }, async () => {
    const stack = await startFixtureStack(node!.url);
    const connection = await amqp.connect(node!.url);
    try {
      const channel = await connection.createChannel();
      const { queue } = await channel.assertQueue('', { exclusive: true });
      await channel.bindQueue(queue, `${stack.config.broker.namespace}.events`, 'task.*');
      const seen = new Map<string, TaskEvent>();
      const both = new Promise<void>((resolve) =>
        void channel.consume(
          queue,
          (message) => {
            if (!message) return;
            const batch = JSON.parse(message.content.toString()) as { runtime: string; events: TaskEvent[] };
            assert.equal(batch.runtime, stack.runtime.id);
            for (const event of batch.events) {
              const kind = event.outcome ?? 'started';
              assert.equal(message.fields.routingKey, `task.${kind}`);
              seen.set(kind, event);
            }
            if (seen.has('started') && seen.has('succeeded') && seen.has('failed')) resolve();
          },
          { noAck: true },
        ),
      );
      assert.equal(await stack.client.proxy(MathJobs).add(1, 2), 3);
      await assert.rejects(stack.client.proxy(IoJobs).fail('for the events'), RemoteTaskError);
      await both;
      const succeeded = seen.get('succeeded');
      assert.deepEqual([succeeded?.task, succeeded?.queue, succeeded?.pool, succeeded?.attempt], ['Maths.add', 'fx-io', 'io', 1]);
      assert.ok((succeeded?.durationMs ?? -1) >= 0);
      assert.equal(seen.get('failed')?.error?.message, 'for the events');
      assert.equal(seen.get('started')?.attempt, 1);
    } finally {
      await connection.close();
      await stack.stop();
    }
  });
});
