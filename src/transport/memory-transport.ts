import { randomUUID } from 'node:crypto';
import { TransportError, UnroutableTaskError } from '../errors';
import type { BindingDeclaration, Topology } from '../topology/topology';
import { MEMORY_REPLY_PREFIX, memoryBrokerFor, type MemoryBroker, type MemoryConsumer, type StoredMessage } from './memory-broker';
import type { Delivery, LeaseChannel, LeaseToken, MessageProperties, PublishOptions, PublishOutcome, QueueBrowser, QueueInfo, Subscription, Transport } from './transport';

/** One "connection" to the embedded broker: closing it requeues what its consumers held, as RabbitMQ does. */
export class MemoryTransport implements Transport {
  readonly description: string;
  private readonly consumers: Array<{ queue: string; consumer: MemoryConsumer; remove: () => void }> = [];
  private replyAddress: string | undefined;
  private closed = false;

  constructor(
    url = 'memory://',
    readonly broker: MemoryBroker = memoryBrokerFor(url),
  ) {
    this.description = `${url} (embedded in-memory broker)`;
  }

  async declare(topology: Topology): Promise<void> {
    this.assertOpen();
    for (const exchange of topology.exchanges) this.broker.declareExchange(exchange);
    for (const queue of topology.queues) this.broker.declareQueue(queue);
    for (const binding of topology.bindings) this.broker.bind(binding);
    for (const binding of topology.exchangeBindings ?? []) this.broker.bindExchange(binding);
    for (const binding of topology.unbindings ?? []) this.broker.unbind(binding);
  }

  async unbind(binding: BindingDeclaration): Promise<void> {
    this.assertOpen();
    this.broker.unbind(binding);
  }

  async publish(exchange: string, routingKey: string, body: Buffer, properties: MessageProperties, options: PublishOptions = {}): Promise<PublishOutcome> {
    this.assertOpen();
    if (exchange !== '' && !this.broker.hasExchange(exchange)) {
      throw new UnroutableTaskError(
        routingKey,
        exchange,
        'No runtime in this process has declared that exchange: the embedded broker lives inside one process, so a client reaches only a runtime ' +
          'started in the same process (warren dev app.ts, or Runtime.start). To reach a runtime elsewhere, set WARREN_BROKER_URL.',
      );
    }
    const outcome = this.broker.publish(exchange, routingKey, body, properties);
    // Without `mandatory` the broker drops an unroutable message and says nothing, like RabbitMQ.
    return options.mandatory ? outcome : 'routed';
  }

  async consume(queue: string, prefetch: number, onDelivery: (delivery: Delivery) => void): Promise<Subscription> {
    this.assertOpen();
    const consumer: MemoryConsumer = {
      prefetch,
      unacked: new Set(),
      deliver: (message) => onDelivery(this.toDelivery(queue, consumer, message)),
    };
    const remove = this.broker.addConsumer(queue, consumer);
    const entry = { queue, consumer, remove };
    this.consumers.push(entry);
    return { cancel: async () => remove() };
  }

  async consumeLease(queue: string, onToken: (token: LeaseToken) => void): Promise<LeaseChannel> {
    this.assertOpen();
    const held = new Map<LeaseToken, StoredMessage>();
    const consumer: MemoryConsumer = {
      prefetch: 32,
      unacked: new Set(),
      deliver: (message) => {
        const token: LeaseToken = { body: message.body, properties: message.properties, redelivered: message.redelivered };
        held.set(token, message);
        onToken(token);
      },
    };
    const remove = this.broker.addConsumer(queue, consumer);
    const entry = { queue, consumer, remove };
    this.consumers.push(entry);
    return {
      // One turn of the event loop: nothing else reaches the broker between these steps.
      commit: async (publishes, acks) => {
        this.assertOpen();
        for (const message of publishes) this.broker.publish(message.exchange, message.routingKey, message.body, message.properties);
        for (const token of acks) {
          const message = held.get(token);
          if (message && held.delete(token)) this.broker.settle(queue, consumer, message, 'ack');
        }
      },
      close: async () => {
        remove();
        this.consumers.splice(this.consumers.indexOf(entry), 1);
        if (!this.closed) this.broker.requeueAll(queue, consumer);
      },
    };
  }

  async openReplyQueue(onReply: (body: Buffer, properties: MessageProperties) => void): Promise<string> {
    this.assertOpen();
    if (this.replyAddress) throw new TransportError('This transport already has a reply queue');
    this.replyAddress = `${MEMORY_REPLY_PREFIX}${randomUUID()}`;
    this.broker.openReplyAddress(this.replyAddress, onReply);
    return this.replyAddress;
  }

  async reply(replyTo: string, body: Buffer, properties: MessageProperties): Promise<void> {
    this.assertOpen();
    this.broker.publish('', replyTo, body, properties);
  }

  async queueInfo(queue: string): Promise<QueueInfo | undefined> {
    this.assertOpen();
    const info = this.broker.inspectQueue(queue);
    return info && { messages: info.messages, consumers: info.consumers };
  }

  async browse(queue: string): Promise<QueueBrowser> {
    this.assertOpen();
    // A consumer with no window of its own, registered for requeue-on-close like any other.
    const holder: MemoryConsumer = { prefetch: 0, unacked: new Set(), deliver: () => {} };
    const entry = { queue, consumer: holder, remove: () => {} };
    this.consumers.push(entry);
    return {
      next: async () => {
        this.assertOpen();
        const message = this.broker.take(queue, holder);
        return message && this.toDelivery(queue, holder, message);
      },
      close: async () => {
        const index = this.consumers.indexOf(entry);
        if (index < 0) return;
        this.consumers.splice(index, 1);
        if (!this.closed) this.broker.requeueAll(queue, holder);
      },
    };
  }

  async purge(queue: string): Promise<number> {
    this.assertOpen();
    return this.broker.purge(queue);
  }

  onStateChange(): void {
    // An in-process broker never loses its connection.
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const { queue, consumer, remove } of this.consumers) {
      remove();
      this.broker.requeueAll(queue, consumer);
    }
    if (this.replyAddress) this.broker.closeReplyAddress(this.replyAddress);
  }

  private toDelivery(queue: string, consumer: MemoryConsumer, message: StoredMessage): Delivery {
    const settle = (outcome: 'ack' | 'requeue' | 'reject') => {
      // After close the broker has already requeued the message; a late ack is a no-op, as on a dead channel.
      if (this.closed || !consumer.unacked.has(message)) return;
      this.broker.settle(queue, consumer, message, outcome);
    };
    return {
      body: message.body,
      properties: message.properties,
      routingKey: message.routingKey,
      redelivered: message.redelivered,
      ack: () => settle('ack'),
      nack: (requeue) => settle(requeue ? 'requeue' : 'reject'),
    };
  }

  private assertOpen(): void {
    if (this.closed) throw new TransportError('Transport is closed');
  }
}
