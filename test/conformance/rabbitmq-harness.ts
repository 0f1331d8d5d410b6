import amqp from 'amqplib';
import type { QueueType } from '../../src/topology/queue-types';
import type { BrokerHarness, DeadLetter } from './broker-harness';

/**
 * The conformance harness on RabbitMQ: runtimes get `url` (several nodes for a cluster), and the
 * suite reads and writes the broker through a raw amqplib connection to `rawUrl`, without Warren's
 * own transport.
 */
export async function rabbitHarness(name: string, url: string, rawUrl: string, queueType?: QueueType): Promise<BrokerHarness> {
  const connection = await amqp.connect(rawUrl, { noDelay: true });
  const channel = await connection.createConfirmChannel();
  return {
    name,
    url,
    queueType,
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
}
