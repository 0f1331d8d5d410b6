import Denque from 'denque';
import { TopologyMismatchError } from '../errors';
import type { BindingDeclaration, ExchangeBindingDeclaration, ExchangeDeclaration, QueueDeclaration } from '../topology/topology';
import type { MessageProperties, PublishOutcome } from './transport';

interface StoredMessage {
  readonly body: Buffer;
  readonly properties: MessageProperties;
  readonly routingKey: string;
  redelivered: boolean;
  /** Set while the message waits in a queue with a message TTL. */
  expiry?: NodeJS.Timeout;
}

/** One consumer as the broker sees it: its prefetch window and what it holds unacknowledged. */
export interface MemoryConsumer {
  readonly prefetch: number;
  readonly unacked: Set<StoredMessage>;
  readonly deliver: (message: StoredMessage) => void;
}

interface MemoryQueue {
  readonly declaration: QueueDeclaration;
  /** Ready messages, oldest first. A deque: `Array.shift` copies a long array, so a backlog made dispatch quadratic. */
  readonly messages: Denque<StoredMessage>;
  readonly consumers: MemoryConsumer[];
  nextConsumer: number;
}

export type { StoredMessage };

/** A reply address in the style of RabbitMQ's direct reply-to. */
export const MEMORY_REPLY_PREFIX = 'amq.rabbitmq.reply-to.';

/**
 * An in-process broker with the semantics Warren relies on: direct, headers and fanout exchanges,
 * exchanges bound to exchanges, durable queues, prefetch windows, ack and nack with requeue, dead-letter exchanges, mandatory returns and
 * direct reply-to. Messages live in memory only: it is the embedded broker for demos and tests,
 * not a replacement for RabbitMQ's durability.
 */
export class MemoryBroker {
  private readonly exchanges = new Map<string, ExchangeDeclaration>();
  private readonly queues = new Map<string, MemoryQueue>();
  private readonly bindings = new Map<string, BindingDeclaration[]>();
  /** By source exchange. */
  private readonly exchangeBindings = new Map<string, ExchangeBindingDeclaration[]>();
  private readonly replyHandlers = new Map<string, (body: Buffer, properties: MessageProperties) => void>();
  private dispatchScheduled = new Set<MemoryQueue>();

  declareExchange(declaration: ExchangeDeclaration): void {
    const existing = this.exchanges.get(declaration.name);
    if (existing && (existing.type !== declaration.type || existing.durable !== declaration.durable)) {
      throw new TopologyMismatchError(declaration.name, `exchange is ${existing.type} durable=${existing.durable}, declared ${declaration.type} durable=${declaration.durable}`);
    }
    this.exchanges.set(declaration.name, declaration);
  }

  declareQueue(declaration: QueueDeclaration): void {
    const existing = this.queues.get(declaration.name);
    if (!existing) {
      this.queues.set(declaration.name, { declaration, messages: new Denque(), consumers: [], nextConsumer: 0 });
      return;
    }
    const difference = describeDifference(existing.declaration, declaration);
    if (difference) throw new TopologyMismatchError(declaration.name, difference);
  }

  bind(binding: BindingDeclaration): void {
    if (!this.queues.has(binding.queue)) throw new Error(`NOT_FOUND - no queue '${binding.queue}'`);
    if (!this.exchanges.has(binding.exchange)) throw new Error(`NOT_FOUND - no exchange '${binding.exchange}'`);
    const list = this.bindings.get(binding.exchange) ?? [];
    if (!list.some((b) => sameBinding(b, binding))) list.push(binding);
    this.bindings.set(binding.exchange, list);
  }

  bindExchange(binding: ExchangeBindingDeclaration): void {
    for (const name of [binding.source, binding.destination]) if (!this.exchanges.has(name)) throw new Error(`NOT_FOUND - no exchange '${name}'`);
    const list = this.exchangeBindings.get(binding.source) ?? [];
    if (!list.some((b) => sameRoute(b.destination, b, binding.destination, binding))) list.push(binding);
    this.exchangeBindings.set(binding.source, list);
  }

  /** Like RabbitMQ: removing a binding that is not there is not an error, but its queue and exchange must exist. */
  unbind(binding: BindingDeclaration): void {
    if (!this.queues.has(binding.queue)) throw new Error(`NOT_FOUND - no queue '${binding.queue}'`);
    if (!this.exchanges.has(binding.exchange)) throw new Error(`NOT_FOUND - no exchange '${binding.exchange}'`);
    this.bindings.set(binding.exchange, (this.bindings.get(binding.exchange) ?? []).filter((b) => !sameBinding(b, binding)));
  }

  hasExchange(name: string): boolean {
    return this.exchanges.has(name);
  }

  publish(exchange: string, routingKey: string, body: Buffer, properties: MessageProperties): PublishOutcome {
    if (exchange === '') {
      const reply = this.replyHandlers.get(routingKey);
      if (reply) {
        setImmediate(() => reply(body, properties));
        return 'routed';
      }
      const queue = this.queues.get(routingKey);
      if (!queue) return 'unroutable';
      this.enqueue(queue, { body, properties, routingKey, redelivered: false });
      return 'routed';
    }
    if (!this.exchanges.has(exchange)) throw new Error(`NOT_FOUND - no exchange '${exchange}'`);
    const targets = new Set<string>();
    this.route(exchange, routingKey, properties.headers, targets, new Set());
    if (targets.size === 0) return 'unroutable';
    for (const name of targets) {
      const queue = this.queues.get(name);
      if (queue) this.enqueue(queue, { body, properties, routingKey, redelivered: false });
    }
    return 'routed';
  }

  /** The queues a message reaches from `exchange`, through exchanges bound to it as well (each visited once, as RabbitMQ does). */
  private route(exchange: string, routingKey: string, headers: MessageProperties['headers'], targets: Set<string>, visited: Set<string>): void {
    const declared = this.exchanges.get(exchange);
    if (!declared || visited.has(exchange)) return;
    visited.add(exchange);
    for (const binding of this.bindings.get(exchange) ?? []) if (matches(declared.type, binding, routingKey, headers)) targets.add(binding.queue);
    for (const binding of this.exchangeBindings.get(exchange) ?? []) {
      if (matches(declared.type, binding, routingKey, headers)) this.route(binding.destination, routingKey, headers, targets, visited);
    }
  }

  addConsumer(queueName: string, consumer: MemoryConsumer): () => void {
    const queue = this.queues.get(queueName);
    if (!queue) throw new Error(`NOT_FOUND - no queue '${queueName}'`);
    queue.consumers.push(consumer);
    this.scheduleDispatch(queue);
    return () => {
      const index = queue.consumers.indexOf(consumer);
      if (index >= 0) queue.consumers.splice(index, 1);
    };
  }

  /** Settles a delivery; a window slot opens and the queue dispatches again. */
  settle(queueName: string, consumer: MemoryConsumer, message: StoredMessage, outcome: 'ack' | 'requeue' | 'reject'): void {
    if (!consumer.unacked.delete(message)) throw new Error('PRECONDITION_FAILED - unknown delivery tag (already acknowledged?)');
    const queue = this.queues.get(queueName);
    if (!queue) return;
    if (outcome === 'requeue') {
      message.redelivered = true;
      queue.messages.unshift(message);
    } else if (outcome === 'reject') {
      this.deadLetter(queue, message, 'rejected');
    }
    this.scheduleDispatch(queue);
  }

  /** What a closed connection does on RabbitMQ: every unacknowledged delivery goes back to its queue. */
  requeueAll(queueName: string, consumer: MemoryConsumer): void {
    const queue = this.queues.get(queueName);
    if (!queue) return;
    const held = [...consumer.unacked].reverse();
    consumer.unacked.clear();
    for (const message of held) {
      message.redelivered = true;
      queue.messages.unshift(message);
    }
    this.scheduleDispatch(queue);
  }

  openReplyAddress(address: string, handler: (body: Buffer, properties: MessageProperties) => void): void {
    this.replyHandlers.set(address, handler);
  }

  closeReplyAddress(address: string): void {
    this.replyHandlers.delete(address);
  }

  /** Ready (not yet delivered) messages and consumer count, as `rabbitmqctl list_queues` shows them. */
  inspectQueue(name: string): { messages: number; unacked: number; consumers: number } | undefined {
    const queue = this.queues.get(name);
    if (!queue) return undefined;
    const unacked = queue.consumers.reduce((sum, consumer) => sum + consumer.unacked.size, 0);
    return { messages: queue.messages.length, unacked, consumers: queue.consumers.length };
  }

  /** Takes one ready message as if delivered to `holder` (unacknowledged until settled), like basic.get. */
  take(name: string, holder: MemoryConsumer): StoredMessage | undefined {
    const queue = this.queues.get(name);
    const message = queue?.messages.shift();
    if (!message) return undefined;
    clearTimeout(message.expiry);
    holder.unacked.add(message);
    return message;
  }

  purge(name: string): number {
    const queue = this.queues.get(name);
    if (!queue) throw new Error(`NOT_FOUND - no queue '${name}'`);
    const purged = queue.messages.toArray();
    queue.messages.clear();
    for (const message of purged) clearTimeout(message.expiry);
    return purged.length;
  }

  private enqueue(queue: MemoryQueue, message: StoredMessage): void {
    queue.messages.push(message);
    const ttl = queue.declaration.arguments['x-message-ttl'];
    if (typeof ttl === 'number') this.armExpiry(queue, message, Date.now() + ttl);
    this.scheduleDispatch(queue);
  }

  /**
   * Node's timers run on the event loop's cached clock, which lags the wall clock when the loop is
   * busy, so a timer can fire a few milliseconds early: like RabbitMQ, a message expires only once
   * the wall clock says so, or a countdown would start before its due time.
   */
  private armExpiry(queue: MemoryQueue, message: StoredMessage, expiresAt: number): void {
    // unref: an embedded broker holding a delayed retry must not keep the process alive.
    message.expiry = setTimeout(() => {
      if (Date.now() < expiresAt) this.armExpiry(queue, message, expiresAt);
      else this.expire(queue, message);
    }, Math.max(1, expiresAt - Date.now())).unref();
  }

  /** A message whose TTL passed while it waited leaves through the queue's dead-letter exchange. */
  private expire(queue: MemoryQueue, message: StoredMessage): void {
    // One TTL per queue: what expires is almost always the oldest message.
    const index = indexOf(queue.messages, message);
    if (index < 0) return;
    queue.messages.removeOne(index);
    this.deadLetter(queue, message, 'expired');
  }

  private deadLetter(queue: MemoryQueue, message: StoredMessage, reason: string): void {
    const exchange = queue.declaration.arguments['x-dead-letter-exchange'];
    if (typeof exchange !== 'string') return; // RabbitMQ drops it too.
    const routingKey = String(queue.declaration.arguments['x-dead-letter-routing-key'] ?? message.routingKey);
    const headers = { ...message.properties.headers, 'x-first-death-reason': reason, 'x-first-death-queue': queue.declaration.name };
    if (!this.exchanges.has(exchange)) return; // RabbitMQ drops it when the exchange is missing
    this.publish(exchange, routingKey, message.body, { ...message.properties, headers });
  }

  // Deliveries go out on a later turn of the event loop, as they would from a socket,
  // so a consumer never re-enters the broker from inside its own call.
  private scheduleDispatch(queue: MemoryQueue): void {
    if (this.dispatchScheduled.has(queue)) return;
    this.dispatchScheduled.add(queue);
    setImmediate(() => {
      this.dispatchScheduled.delete(queue);
      this.dispatch(queue);
    });
  }

  private dispatch(queue: MemoryQueue): void {
    while (queue.messages.length > 0) {
      const consumer = this.nextFreeConsumer(queue);
      if (!consumer) return;
      const message = queue.messages.shift() as StoredMessage;
      clearTimeout(message.expiry);
      consumer.unacked.add(message);
      consumer.deliver(message);
    }
  }

  private nextFreeConsumer(queue: MemoryQueue): MemoryConsumer | undefined {
    // Single active consumer: the first one gets everything, the next only once it is gone.
    if (queue.declaration.arguments['x-single-active-consumer'] === true) {
      const active = queue.consumers[0];
      return active && (active.prefetch === 0 || active.unacked.size < active.prefetch) ? active : undefined;
    }
    const count = queue.consumers.length;
    for (let i = 0; i < count; i++) {
      const index = (queue.nextConsumer + i) % count;
      const consumer = queue.consumers[index] as MemoryConsumer;
      if (consumer.prefetch === 0 || consumer.unacked.size < consumer.prefetch) {
        queue.nextConsumer = (index + 1) % count;
        return consumer;
      }
    }
    return undefined;
  }
}

function indexOf<T>(items: Denque<T>, item: T): number {
  for (let i = 0; i < items.length; i++) if (items.peekAt(i) === item) return i;
  return -1;
}

function sameBinding(a: BindingDeclaration, b: BindingDeclaration): boolean {
  return sameRoute(a.queue, a, b.queue, b);
}

/** Two bindings of one source to the same destination, key and arguments: binding the second again is a no-op, as on RabbitMQ. */
function sameRoute(aTo: string, a: Pick<BindingDeclaration, 'routingKey' | 'arguments'>, bTo: string, b: Pick<BindingDeclaration, 'routingKey' | 'arguments'>): boolean {
  return aTo === bTo && a.routingKey === b.routingKey && JSON.stringify(a.arguments ?? {}) === JSON.stringify(b.arguments ?? {});
}

/** Routing as RabbitMQ does it for the exchange types Warren declares. */
function matches(type: ExchangeDeclaration['type'], binding: Pick<BindingDeclaration, 'routingKey' | 'arguments'>, routingKey: string, headers: MessageProperties['headers']): boolean {
  if (type === 'fanout') return true;
  if (type === 'direct') return binding.routingKey === routingKey;
  if (type === 'topic') return topicMatches(binding.routingKey, routingKey);
  // Like RabbitMQ, binding arguments starting with `x-` take no part in matching.
  const wanted = Object.entries(binding.arguments ?? {}).filter(([key]) => !key.startsWith('x-'));
  const present = wanted.filter(([key, value]) => headers?.[key] === value);
  return binding.arguments?.['x-match'] === 'any' ? present.length > 0 : present.length === wanted.length;
}

/** `*` matches one word, `#` zero or more. */
function topicMatches(pattern: string, routingKey: string): boolean {
  const words = pattern.split('.');
  const keys = routingKey.split('.');
  const match = (i: number, j: number): boolean => {
    if (i === words.length) return j === keys.length;
    if (words[i] === '#') return match(i + 1, j) || (j < keys.length && match(i, j + 1));
    return j < keys.length && (words[i] === '*' || words[i] === keys[j]) && match(i + 1, j + 1);
  };
  return match(0, 0);
}

function describeDifference(existing: QueueDeclaration, declared: QueueDeclaration): string | undefined {
  if (existing.durable !== declared.durable) return `durable is ${existing.durable}, declared ${declared.durable}`;
  const keys = new Set([...Object.keys(existing.arguments), ...Object.keys(declared.arguments)]);
  for (const key of [...keys].sort()) {
    const current = existing.arguments[key];
    const wanted = declared.arguments[key];
    if (current !== wanted) return `argument '${key}' is ${JSON.stringify(current)}, declared ${JSON.stringify(wanted)}`;
  }
  return undefined;
}

const brokers = new Map<string, MemoryBroker>();

/** The embedded broker of this process for a `memory://name` URL (one per name). */
export function memoryBrokerFor(url = 'memory://'): MemoryBroker {
  let broker = brokers.get(url);
  if (!broker) brokers.set(url, (broker = new MemoryBroker()));
  return broker;
}
