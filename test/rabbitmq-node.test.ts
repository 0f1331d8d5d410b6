import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import { ENV_BROKER_URL } from './support/rabbitmq-node';
import { requireBroker, requireRabbitNode } from './support/requirements';

const url = process.env[ENV_BROKER_URL];
const broker = requireBroker();
const node = requireRabbitNode();

test('broker URL is provided by test/run.ts', { skip: broker.skip }, () => {
  assert.ok(url, `${ENV_BROKER_URL} must be set (run through npm test)`);
});

test('listQueues() sees a queue declared over AMQP', { skip: node.skip }, async () => {
  assert.ok(url && node);
  const conn = await amqp.connect(url, { noDelay: true });
  try {
    const ch = await conn.createChannel();
    const name = `warren-node-test-${randomBytes(4).toString('hex')}`;
    await ch.assertQueue(name, { durable: false, arguments: { 'x-max-length': 5 } });
    ch.sendToQueue(name, Buffer.from('hello'));
    await ch.checkQueue(name); // round trip: the publish above has been processed

    const q = (await node.listQueues()).find((row) => row.name === name);
    assert.ok(q, `queue ${name} not listed`);
    assert.equal(q.messages, 1);
    assert.equal(q.consumers, 0);
    assert.equal(q.arguments['x-max-length'], 5);

    await ch.deleteQueue(name);
    assert.equal((await node.listQueues()).some((row) => row.name === name), false);
    await ch.close();
  } finally {
    await conn.close();
  }
});
