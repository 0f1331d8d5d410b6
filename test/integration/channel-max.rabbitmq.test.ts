import 'reflect-metadata';
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { connect, Runtime, type WarrenClient } from '../../src';
import { MANY_QUEUES, manyClassName } from '../fixtures/many-queues/many-queue-jobs';
import { captureLogger, fixtureConfig, randomNamespace } from '../support/fixture-runtime';
import type { RabbitNode } from '../support/rabbitmq-node';
import { requireRabbitNode } from '../support/requirements';

const node = requireRabbitNode();
const CHANNEL_MAX = 20;

interface ConnectionRow {
  readonly pid: string;
  readonly client_properties: unknown;
}

/** The pid of the connection whose client-given name matches. */
async function connectionPid(rabbit: RabbitNode, name: RegExp): Promise<string | undefined> {
  const rows = JSON.parse(await rabbit.ctl(['list_connections', 'pid', 'client_properties', '--formatter', 'json'])) as ConnectionRow[];
  return rows.find((row) => name.test(JSON.stringify(row.client_properties)))?.pid;
}

describe('a runtime with more queues than its connection has channels', { skip: node.skip }, () => {
  const rabbit: RabbitNode = node;

  test(`given channel_max ${CHANNEL_MAX} and ${MANY_QUEUES} queues, then the runtime starts, stays within the limit, every queue has its consumer with its own prefetch, and every task answers`, { timeout: 120_000 }, async () => {
    const namespace = randomNamespace();
    const url = `${rabbit.url}?channelMax=${CHANNEL_MAX}`;
    const config = fixtureConfig(url, namespace, { jobs: [path.join(__dirname, '..', 'fixtures', 'many-queues', 'many-queue-jobs.ts')] });
    let runtime: Runtime | undefined;
    let client: WarrenClient | undefined;
    try {
      runtime = await Runtime.start({ config, logger: captureLogger('warn').logger });
      client = await connect({ url: rabbit.url, config: { ...config, broker: { ...config.broker, url: rabbit.url } }, logger: captureLogger('warn').logger });

      const pid = await connectionPid(rabbit, new RegExp(`warren runtime [^"(]*:${process.pid}"`));
      assert.ok(pid, 'the runtime has its consuming connection');
      const channels = (JSON.parse(await rabbit.ctl(['list_channels', 'connection', 'number', 'consumer_count', '--formatter', 'json'])) as Array<{ connection: string; number: number; consumer_count: number }>).filter((row) => row.connection === pid);
      assert.ok(channels.length <= CHANNEL_MAX, `${channels.length} channels open on a connection with channel_max ${CHANNEL_MAX}`);
      assert.equal(channels.reduce((sum, row) => sum + row.consumer_count, 0), MANY_QUEUES + 1, 'a consumer for every work queue and the control queue');

      const consumers = JSON.parse(await rabbit.ctl(['list_consumers', 'queue_name', 'prefetch_count', '--formatter', 'json'])) as Array<{ queue_name: string; prefetch_count: number }>;
      for (let index = 0; index < MANY_QUEUES; index++) {
        const of = consumers.filter((row) => row.queue_name === `${namespace}.many-${index}`);
        assert.deepEqual(of.map((row) => row.prefetch_count), [3], `queue many-${index}: one consumer with its own prefetch (concurrency 3)`);
      }

      const answers = await Promise.all(Array.from({ length: MANY_QUEUES }, (_, index) => (client as WarrenClient).call(`${manyClassName(index)}.which`, [])));
      assert.deepEqual(answers, Array.from({ length: MANY_QUEUES }, (_, index) => index));
    } finally {
      await client?.close();
      await runtime?.stop();
    }
  });
});
