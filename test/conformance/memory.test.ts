import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { describe } from 'node:test';
import { memoryBrokerFor } from '../../src/transport/memory-broker';
import { MemoryTransport } from '../../src/transport/memory-transport';
import type { Delivery } from '../../src/transport/transport';
import type { BrokerHarness, DeadLetter } from './broker-harness';
import { runtimeConformance } from './runtime-conformance';

describe('runtime conformance: embedded memory broker', () => {
  runtimeConformance(async (): Promise<BrokerHarness> => {
    const url = `memory://conformance-${randomBytes(4).toString('hex')}`;
    const broker = memoryBrokerFor(url);
    return {
      name: 'memory',
      url,
      publishRaw: async (queue, body, properties) => {
        broker.publish('', queue, body, properties);
      },
      publishAbandoned: async (queue, body, properties) => {
        broker.publish('', queue, body, properties);
        const doomed = new MemoryTransport(url, broker);
        await new Promise<void>((resolve) => void doomed.consume(queue, 1, () => resolve()));
        await doomed.close(); // requeues what it held, marked redelivered
      },
      takeMessages: (queue, count) =>
        new Promise((resolve) => {
          const transport = new MemoryTransport(url, broker);
          const taken: DeadLetter[] = [];
          void transport.consume(queue, 0, (delivery: Delivery) => {
            delivery.ack();
            taken.push({ body: delivery.body.toString(), headers: { ...delivery.properties.headers } });
            if (taken.length === count) void transport.close().then(() => resolve(taken));
          });
        }),
      close: async () => {},
    };
  });
});
