import amqp from 'amqplib';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PublishRefusedError } from '../../src';
import { openTransport } from '../../src/transport/open-transport';
import { captureLogger, randomNamespace } from '../support/fixture-runtime';
import { requireBroker } from '../support/requirements';

const broker = requireBroker();

describe('a publish the broker refuses (basic.nack)', { skip: broker.skip }, () => {
  test('given a full queue with x-overflow reject-publish, a publish is tried again until the queue has room, and fails past publishTimeoutMs saying why', { timeout: 60_000 }, async () => {
    const queue = `refused-${randomNamespace()}`;
    const raw = await amqp.connect(broker.url);
    const channel = await raw.createChannel();
    await channel.assertQueue(queue, { durable: false, autoDelete: false, arguments: { 'x-max-length': 1, 'x-overflow': 'reject-publish' } });
    const capture = captureLogger('debug');
    const transport = await openTransport(broker.url, { connectionName: 'publish-refused test', publishTimeoutMs: 3_000, logger: capture.logger });
    try {
      assert.equal(await transport.publish('', queue, Buffer.from('first'), { messageId: 'first' }), 'routed');
      let settled = false;
      const second = transport.publish('', queue, Buffer.from('second'), { messageId: 'second' }).finally(() => (settled = true));
      // Refused while the queue is full: still waiting once the broker has nacked it.
      await capture.waitFor(/"messageId":"second".*trying again in/);
      assert.equal(settled, false, 'waits for room instead of failing at the first nack');
      const taken = await channel.get(queue, { noAck: true });
      assert.equal(taken && taken.content.toString(), 'first');
      assert.equal(await second, 'routed', 'sent again once there was room');
      const kept = await channel.get(queue, { noAck: true });
      assert.equal(kept && kept.content.toString(), 'second');

      await transport.publish('', queue, Buffer.from('third'), { messageId: 'third' });
      const startedAt = Date.now();
      await assert.rejects(transport.publish('', queue, Buffer.from('fourth'), { messageId: 'fourth' }), (error: unknown) => {
        assert.ok(error instanceof PublishRefusedError, String(error));
        assert.match(error.message, new RegExp(`^RabbitMQ refused the message to '' / '${queue}' \\(basic\\.nack\\) \\d+ time\\(s\\) over \\d+ ms: a queue it routes to is full \\(x-overflow reject-publish\\) or a quorum queue has no leader now$`));
        return true;
      });
      assert.ok(Date.now() - startedAt >= 2_500, 'tried for about publishTimeoutMs');
    } finally {
      await transport.close();
      await channel.deleteQueue(queue).catch(() => undefined);
      await raw.close();
    }
  });
});
