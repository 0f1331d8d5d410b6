import 'reflect-metadata';
import amqp from 'amqplib';
import { describe } from 'node:test';
import { requireBroker } from '../support/requirements';
import type { BrokerHarness, DeadLetter } from './broker-harness';
import { runtimeConformance } from './runtime-conformance';

const node = requireBroker();

describe('runtime conformance: RabbitMQ', { skip: node.skip }, () => {
  runtimeConformance(async (): Promise<BrokerHarness> => {
    if (!node) throw new Error('unreachable');
    // A raw amqplib connection: the suite reads and writes the broker without Warren's own transport.
    const connection = await amqp.connect(node.url, { noDelay: true });
    const channel = await connection.createConfirmChannel();
    return {
      name: 'rabbitmq',
      url: node.url,
      publishRaw: async (queue, body, properties) => {
        channel.sendToQueue(queue, body, { ...properties, headers: properties.headers ?? {} });
        await channel.waitForConfirms();
      },
      publishAbandoned: async (queue, body, properties) => {
        channel.sendToQueue(queue, body, { ...properties, headers: properties.headers ?? {} });
        await channel.waitForConfirms();
        const doomed = await connection.createChannel();
        await new Promise<void>((resolve) => void doomed.consume(queue, (message) => message && resolve()));
        await doomed.close(); // unacknowledged: RabbitMQ requeues it with redelivered set
      },
      takeMessages: async (queue, count) => {
        const taken: DeadLetter[] = [];
        const consumer = await connection.createChannel();
        await new Promise<void>((resolve) => {
          void consumer.consume(queue, (message) => {
            if (!message) return;
            consumer.ack(message);
            taken.push({ body: message.content.toString(), headers: { ...message.properties.headers } });
            if (taken.length === count) resolve();
          });
        });
        await consumer.close();
        return taken;
      },
      close: async () => {
        await connection.close();
      },
    };
  });
});
