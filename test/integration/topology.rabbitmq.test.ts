import 'reflect-metadata';
import amqp from 'amqplib';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { connect, Runtime, TopologyMismatchError } from '../../src';
import { HEADERS } from '../../src/protocol/headers';
import { DELAY_LEVELS } from '../../src/topology/delay-cascade';
import { IoJobs } from '../fixtures/jobs/fixture-jobs';
import { captureLogger, fixtureConfig, randomNamespace } from '../support/fixture-runtime';
import { requireRabbitNode } from '../support/requirements';

const node = requireRabbitNode();
const silent = pino({ level: 'silent' });

describe('topology on RabbitMQ, checked through the broker', { skip: node.skip }, () => {
  let connection: amqp.ChannelModel;
  before(async () => {
    connection = await amqp.connect(node!.url, { noDelay: true });
  });
  after(async () => {
    await connection?.close();
  });

  test('a runtime declares durable work and dead-letter queues bound by task name, the delay cascade, and its control queue', { timeout: 60_000 }, async () => {
    const namespace = randomNamespace();
    const runtime = await Runtime.start({ config: fixtureConfig(node!.url, namespace), logger: silent });
    try {
      const queues = (await node!.listQueues()).filter((q) => q.name.startsWith(`${namespace}.`));
      const byName = Object.fromEntries(queues.map((q) => [q.name, q]));
      const delayQueues = Object.keys(byName).filter((name) => name.startsWith(`${namespace}.delay.`));
      const workAndDead = ['fx-cpu', 'fx-cpu-retry', 'fx-io', 'fx-retry'].flatMap((queue) => [`${namespace}.${queue}`, `${namespace}.${queue}.dead`]);
      const controlQueues = Object.keys(byName).filter((name) => name.startsWith(`${namespace}.control.`));
      assert.deepEqual(controlQueues, [`${namespace}.control.${runtime.id}`], "the runtime's own control queue");
      assert.deepEqual(byName[controlQueues[0]!]?.arguments, { 'x-expires': 60_000 });
      assert.deepEqual(Object.keys(byName).filter((name) => !delayQueues.includes(name) && !controlQueues.includes(name)).sort(), workAndDead.sort());
      assert.equal(delayQueues.length, DELAY_LEVELS, 'one TTL queue per level of the delay cascade');
      assert.deepEqual(byName[`${namespace}.delay.level30.1073741824ms`]?.arguments, { 'x-message-ttl': 2 ** 30, 'x-dead-letter-exchange': `${namespace}.delay.level29` });
      assert.deepEqual(byName[`${namespace}.delay.level00.1ms`]?.arguments, { 'x-message-ttl': 1, 'x-dead-letter-exchange': `${namespace}.tasks` });
      assert.equal(byName[`${namespace}.fx-io`]?.consumers, 1);
      assert.equal(byName[`${namespace}.fx-io.dead`]?.consumers, 0);
      assert.deepEqual(byName[`${namespace}.fx-io`]?.arguments, { 'x-dead-letter-exchange': `${namespace}.dead`, 'x-dead-letter-routing-key': 'fx-io' });

      const bindings = JSON.parse(await node!.ctl(['list_bindings', 'source_name', 'destination_name', 'routing_key', '--formatter', 'json'])) as Array<{
        source_name: string;
        destination_name: string;
        routing_key: string;
      }>;
      const ioKeys = bindings.filter((b) => b.source_name === `${namespace}.tasks` && b.destination_name === `${namespace}.fx-io`).map((b) => b.routing_key);
      assert.deepEqual(ioKeys.sort(), ['IoJobs.echo', 'IoJobs.fail', 'IoJobs.failWhenReleased', 'IoJobs.hold', 'IoJobs.holdUntilReleased', 'IoJobs.nice', 'IoJobs.progressUntilReleased', 'IoJobs.schedulingPolicy', 'IoJobs.sleep', 'IoJobs.traceparent', 'IoJobs.whereAmI', 'Maths.add']);

      const consumerPrefetch = JSON.parse(await node!.ctl(['list_consumers', 'queue_name', 'prefetch_count', '--formatter', 'json'])) as Array<{ queue_name: string; prefetch_count: number }>;
      const prefetch = Object.fromEntries(consumerPrefetch.filter((c) => c.queue_name.startsWith(namespace)).map((c) => [c.queue_name, c.prefetch_count]));
      assert.deepEqual(
        prefetch,
        {
          [`${namespace}.fx-io`]: 8,
          [`${namespace}.fx-retry`]: 16,
          // Two CPU queues share 2 threads: a window of 2 x 4 would make a delivery wait 3 hard limits
          // (fx-cpu-retry has the default 10 min) past 80 % of the 30 min consumer timeout, so each takes the threads alone.
          [`${namespace}.fx-cpu`]: 2,
          [`${namespace}.fx-cpu-retry`]: 2,
          [`${namespace}.control.${runtime.id}`]: 16,
        },
        'prefetch follows each queue: the config override, else the pool capacity',
      );
    } finally {
      await runtime.stop();
    }
    // Declaring again is idempotent.
    const again = await Runtime.start({ config: fixtureConfig(node!.url, namespace), logger: silent });
    await again.stop();
  });

  test('a queue that exists with other arguments stops the start naming every difference, the operator\'s own argument included, and what to do', { timeout: 60_000 }, async () => {
    const namespace = randomNamespace();
    const channel = await connection.createChannel();
    // RabbitMQ names only the first argument it checks (x-dead-letter-exchange), not the one set here.
    await channel.assertQueue(`${namespace}.fx-io`, { durable: true, arguments: { 'x-max-length': 10, 'x-dead-letter-exchange': 'elsewhere' } });
    await channel.close();
    await assert.rejects(Runtime.start({ config: fixtureConfig(node!.url, namespace), logger: silent }), (error: Error) => {
      assert.ok(error instanceof TopologyMismatchError);
      assert.equal(error.entity, `${namespace}.fx-io`);
      assert.deepEqual(
        [...error.differences].sort((a, b) => a.argument.localeCompare(b.argument)),
        [
          { argument: 'x-dead-letter-exchange', existing: 'elsewhere', declared: `${namespace}.dead` },
          { argument: 'x-dead-letter-routing-key', existing: undefined, declared: 'fx-io' },
          { argument: 'x-max-length', existing: '10', declared: undefined },
        ],
      );
      assert.match(error.message, /x-max-length: the queue has '10', Warren declares none/);
      assert.match(error.message, new RegExp(`rabbitmqctl delete_queue ${namespace}\\.fx-io`));
      return true;
    });
    const after = await connection.createChannel();
    const arguments_ = await after.checkQueue(`${namespace}.fx-io`);
    assert.equal(arguments_.messageCount, 0, 'the queue is still there, untouched');
    await after.close();
  });

  test('enqueued tasks are persistent, versioned messages that wait in their queue until a runtime serves them', { timeout: 60_000 }, async () => {
    const namespace = randomNamespace();
    const config = fixtureConfig(node!.url, namespace);
    await (await Runtime.start({ config, logger: silent })).stop(); // declare, then leave nobody consuming
    const client = await connect({ url: node!.url, config, logger: silent });
    const id = await client.proxy(IoJobs).echo.enqueue('kept');
    await client.close();

    const channel = await connection.createChannel();
    const message = await channel.get(`${namespace}.fx-io`, { noAck: true });
    await channel.close();
    assert.ok(message, 'the task is in the queue');
    assert.equal(message.properties.deliveryMode, 2);
    assert.equal(message.properties.messageId, id);
    assert.equal(message.properties.contentType, 'application/json');
    assert.equal(message.properties.headers?.[HEADERS.task], 'IoJobs.echo');
    assert.equal(message.properties.headers?.[HEADERS.protocol], 1);
    assert.deepEqual(JSON.parse(message.content.toString()), { args: ['kept'] });
  });

  test('the broker password never appears in logs', { timeout: 60_000 }, async () => {
    const capture = captureLogger('info');
    // The throwaway node's URL carries guest's password, as a production URL would carry its own.
    const runtime = await Runtime.start({ config: fixtureConfig(node!.url, randomNamespace()), logger: capture.logger });
    await runtime.stop();
    const started = await capture.waitFor(/runtime started/);
    assert.match(started, /guest:\*\*\*@127\.0\.0\.1/);
    assert.ok(capture.lines.every((line) => !line.includes('guest:guest')), 'no line carries the password');
    assert.match(runtime.banner(), /guest:\*\*\*@/);
  });
});
