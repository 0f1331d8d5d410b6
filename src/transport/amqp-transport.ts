import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage, type Message, type Options, type RecoveringChannelModel } from 'amqplib';
import { TopologyMismatchError, TransportError, describe } from '../errors';
import type { Topology } from '../topology/topology';
import { AckBatcher } from './ack-batcher';
import { redactUrl } from './redact-url';
import { coalesceWrites, socketOf } from './write-coalescing';
import type { ConnectionStateChange, Delivery, MessageProperties, PublishOptions, PublishOutcome, QueueInfo, Subscription, Transport } from './transport';

/** RabbitMQ's pseudo-queue for direct reply-to: replies need no queue of their own. */
const DIRECT_REPLY_TO = 'amq.rabbitmq.reply-to';

export interface AmqpTransportOptions {
  readonly url: string;
  /** Shown in RabbitMQ's management UI and `rabbitmqctl list_connections client_properties`. */
  readonly connectionName: string;
  readonly heartbeatSeconds?: number;
  /** While reconnecting, how long a publish waits for the connection before it fails. */
  readonly publishTimeoutMs?: number;
}

interface ConsumerEntry {
  readonly queue: string;
  readonly prefetch: number;
  readonly onDelivery: (delivery: Delivery) => void;
  channel?: Channel;
  consumerTag?: string;
  /** The connection this consumer was started on: a consumer starts once per connection. */
  startedOn?: ChannelModel;
  cancelled: boolean;
}

/**
 * RabbitMQ through amqplib; the only module that imports it.
 *
 * Channel layout: one confirm channel for publishing (and, on clients, the direct reply-to
 * consumer, which must share the publishing channel), one plain channel for replies, and one
 * channel per consumed queue so each has its own prefetch window and flow.
 *
 * Recovery: amqplib reconnects with exponential backoff and jitter; on every connection `setUp`
 * rebuilds what amqplib leaves to us: channels, the declared topology, the reply consumer and
 * every consumer. Deliveries from a dead channel are never acknowledged (the broker has already
 * requeued them); a publish made while disconnected waits for the connection, within a bound.
 */
export class AmqpTransport implements Transport {
  readonly description: string;
  private model!: RecoveringChannelModel;
  private connection: ChannelModel | undefined;
  private publishChannel: ConfirmChannel | undefined;
  private replyChannel: Promise<Channel> | undefined;
  private adminChannel: Promise<Channel> | undefined;
  private replyHandler: ((body: Buffer, properties: MessageProperties) => void) | undefined;
  private readonly returned = new Set<string>();
  private readonly topologies: Topology[] = [];
  private readonly consumers = new Set<ConsumerEntry>();
  /** Every consumer channel still open, cancelled ones included: they may still be acking. */
  private readonly consumerChannels = new Set<Channel>();
  private readonly ackBatchers = new Map<Channel, AckBatcher>();
  private readonly stateListeners: Array<(change: ConnectionStateChange) => void> = [];
  private connectionWaiters: Array<() => void> = [];
  private drained: Promise<void> | undefined;
  private closing = false;
  private failure: Error | undefined;

  private constructor(private readonly options: AmqpTransportOptions) {
    this.description = redactUrl(options.url);
  }

  static async connect(options: AmqpTransportOptions): Promise<AmqpTransport> {
    const transport = new AmqpTransport(options);
    try {
      // noDelay: without TCP_NODELAY, Nagle's algorithm holds small frames back and a
      // request/reply round trip takes ~4 ms instead of ~0.5 ms.
      transport.model = await amqp.connect(withHeartbeat(options.url, options.heartbeatSeconds), {
        noDelay: true,
        clientProperties: { connection_name: options.connectionName },
        recovery: {
          initialDelay: 200,
          maxDelay: 10_000,
          jitter: 0.3,
          initialMaxRetries: 2, // a wrong URL at start-up fails within a second, clearly
          setup: (model: ChannelModel) => transport.setUp(model),
        },
      });
    } catch (error) {
      throw new TransportError(`Cannot connect to RabbitMQ at ${redactUrl(options.url)}: ${describe(error)}`, { cause: error });
    }
    transport.watch();
    return transport;
  }

  async declare(topology: Topology): Promise<void> {
    const connection = await this.waitForConnection(Number.POSITIVE_INFINITY);
    await declareOn(connection, topology);
    this.topologies.push(topology);
  }

  async publish(exchange: string, routingKey: string, body: Buffer, properties: MessageProperties, options: PublishOptions = {}): Promise<PublishOutcome> {
    const messageId = properties.messageId;
    if (options.mandatory && !messageId) throw new TransportError('A mandatory publish needs a messageId to match its return');
    const deadline = Date.now() + (this.options.publishTimeoutMs ?? 10_000);
    for (;;) {
      await this.waitForConnection(deadline);
      const channel = this.publishChannel as ConfirmChannel;
      try {
        return await this.publishOn(channel, exchange, routingKey, body, properties, options.mandatory);
      } catch (error) {
        // The connection died before the broker confirmed: publish again once it is back.
        // At least once: the broker may have taken the first copy.
        if (this.closing || this.failure || Date.now() >= deadline || channel === this.publishChannel) throw error;
      }
    }
  }

  async consume(queue: string, prefetch: number, onDelivery: (delivery: Delivery) => void): Promise<Subscription> {
    const entry: ConsumerEntry = { queue, prefetch, onDelivery, cancelled: false };
    this.consumers.add(entry);
    await this.startConsumer(await this.waitForConnection(Number.POSITIVE_INFINITY), entry);
    return {
      cancel: async () => {
        entry.cancelled = true;
        this.consumers.delete(entry);
        if (entry.channel && entry.consumerTag) await entry.channel.cancel(entry.consumerTag).catch(() => {});
      },
    };
  }

  async openReplyQueue(onReply: (body: Buffer, properties: MessageProperties) => void): Promise<string> {
    this.replyHandler = onReply;
    await this.waitForConnection(Number.POSITIVE_INFINITY);
    await this.consumeReplies(this.publishChannel as ConfirmChannel);
    return DIRECT_REPLY_TO;
  }

  async reply(replyTo: string, body: Buffer, properties: MessageProperties, answering?: Delivery): Promise<void> {
    // On the request's own channel: the request's ack (flushed at the end of this tick) follows
    // its reply in the same turn's writes, and under load the replies and acks of one turn leave
    // in one writev after the turn's first write (write-coalescing.ts). A publish to the default
    // exchange does not close a channel: an address nobody consumes is dropped (those that would
    // close the connection are refused earlier, when the request is decoded: protocol/reply-address.ts).
    if (answering instanceof AmqpDelivery && answering.publishOnChannel(replyTo, body, toAmqpOptions(properties, false))) return;
    const connection = await this.waitForConnection(Date.now() + (this.options.publishTimeoutMs ?? 10_000));
    this.replyChannel ??= openReplyChannel(connection, () => (this.replyChannel = undefined));
    (await this.replyChannel).publish('', replyTo, body, toAmqpOptions(properties, false));
  }

  async queueInfo(queue: string): Promise<QueueInfo | undefined> {
    // A passive declare of a missing queue closes its channel: use a throwaway one. Before it, a
    // round trip on the channel that browses messages, so its nacks (messages put back) are
    // processed before the count is read.
    if (this.adminChannel) await (await this.adminChannel).prefetch(0).catch(() => {}); // basic.qos: a harmless round trip
    const channel = await (await this.waitForConnection(Date.now() + (this.options.publishTimeoutMs ?? 10_000))).createChannel();
    channel.on('error', () => {});
    try {
      const { messageCount, consumerCount } = await channel.checkQueue(queue);
      return { messages: messageCount, consumers: consumerCount };
    } catch (error) {
      if ((error as { code?: number }).code === 404) return undefined;
      throw new TransportError(`Cannot inspect queue '${queue}': ${describe(error)}`, { cause: error });
    } finally {
      await channel.close().catch(() => {});
    }
  }

  async getMessage(queue: string): Promise<Delivery | undefined> {
    this.adminChannel ??= (async () => {
      const connection = await this.waitForConnection(Date.now() + (this.options.publishTimeoutMs ?? 10_000));
      const channel = await connection.createChannel();
      channel.on('error', () => {});
      channel.on('close', () => (this.adminChannel = undefined));
      return channel;
    })();
    const channel = await this.adminChannel;
    const message = await channel.get(queue, { noAck: false });
    return message ? toDelivery(channel, message) : undefined;
  }

  async purge(queue: string): Promise<number> {
    const channel = await (await this.waitForConnection(Date.now() + (this.options.publishTimeoutMs ?? 10_000))).createChannel();
    channel.on('error', () => {});
    try {
      return (await channel.purgeQueue(queue)).messageCount;
    } finally {
      await channel.close().catch(() => {});
    }
  }

  onStateChange(listener: (change: ConnectionStateChange) => void): void {
    this.stateListeners.push(listener);
  }

  /** True while a connection is up and set up. */
  get connected(): boolean {
    return this.connection !== undefined;
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    // Close every channel first, and wait for each: amqplib interleaves channels' frames, so an
    // ack written just before a bare connection close can be overtaken by it and lost. A
    // channel's close-ok comes after the broker has processed everything sent on that channel.
    for (const acks of this.ackBatchers.values()) acks.flush();
    const channels: Array<Channel | undefined> = [...this.consumerChannels, this.publishChannel];
    for (const pending of [this.replyChannel, this.adminChannel]) channels.push(await pending?.catch(() => undefined));
    await Promise.all(channels.map((channel) => channel?.close().catch(() => {})));
    await this.model.close().catch(() => {});
  }

  /** Runs on every (re)connection, before anyone may use it. A failure here makes amqplib try again. */
  private async setUp(connection: ChannelModel): Promise<void> {
    // amqplib listens for this connection's errors only once setup is done. A connection the
    // broker closes with an error while we set up (a consumer started here may already have
    // replied to an address that breaks it) would throw its 'error' event out of the process.
    // The setup's pending calls reject instead, and amqplib connects again.
    connection.on('error', () => {});
    const socket = socketOf(connection);
    if (socket) coalesceWrites(socket);
    const publishChannel = await connection.createConfirmChannel();
    publishChannel.on('error', () => {}); // a channel error closes it; publishes see that and retry
    publishChannel.on('return', (message: ConsumeMessage) => {
      const id = message.properties.messageId as string | undefined;
      if (id) this.returned.add(id);
    });
    for (const topology of this.topologies) await declareOn(connection, topology);
    if (this.replyHandler) await this.consumeReplies(publishChannel);
    this.connection = connection;
    this.publishChannel = publishChannel;
    this.replyChannel = undefined;
    for (const entry of this.consumers) await this.startConsumer(connection, entry);
    for (const resolve of this.connectionWaiters.splice(0)) resolve();
  }

  private watch(): void {
    this.model.on('disconnect', (error: Error) => {
      this.connection = undefined;
      this.publishChannel = undefined;
      this.replyChannel = undefined;
      this.adminChannel = undefined;
      if (!this.closing) this.emitState({ state: 'disconnected', error: new TransportError(`Connection to ${this.description} lost: ${describe(error)}`, { cause: error }) });
    });
    this.model.on('connect', () => {
      if (!this.closing) this.emitState({ state: 'reconnected' });
    });
    this.model.on('reconnect-failed', (error: Error) => {
      this.failure = new TransportError(`Gave up reconnecting to ${this.description}: ${describe(error)}`, { cause: error });
      for (const resolve of this.connectionWaiters.splice(0)) resolve();
      if (!this.closing) this.emitState({ state: 'failed', error: this.failure });
    });
    this.model.on('error', () => {
      // 'disconnect' follows; handled there.
    });
  }

  private emitState(change: ConnectionStateChange): void {
    for (const listener of this.stateListeners) listener(change);
  }

  private async startConsumer(connection: ChannelModel, entry: ConsumerEntry): Promise<void> {
    if (entry.cancelled || entry.startedOn === connection) return;
    entry.startedOn = connection;
    const channel = await connection.createChannel();
    channel.on('error', () => {});
    this.consumerChannels.add(channel);
    channel.on('close', () => {
      this.consumerChannels.delete(channel);
      this.ackBatchers.delete(channel);
    });
    await channel.prefetch(entry.prefetch);
    const acks = new AckBatcher(channel);
    this.ackBatchers.set(channel, acks);
    const { consumerTag } = await channel.consume(entry.queue, (message) => {
      if (!message) return;
      acks.delivered(message);
      entry.onDelivery(toDelivery(channel, message, acks));
    });
    entry.channel = channel;
    entry.consumerTag = consumerTag;
  }

  private async consumeReplies(channel: ConfirmChannel): Promise<void> {
    const handler = this.replyHandler;
    if (!handler) return;
    await channel.consume(DIRECT_REPLY_TO, (message) => message && handler(message.content, fromAmqpProperties(message.properties)), { noAck: true });
  }

  /** The live connection; waits for recovery until the deadline, then fails clearly. */
  private async waitForConnection(deadline: number): Promise<ChannelModel> {
    for (;;) {
      if (this.closing) throw new TransportError('Transport is closed');
      if (this.failure) throw this.failure;
      if (this.connection) return this.connection;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new TransportError(`Not connected to ${this.description}: gave up waiting for the connection to recover`);
      await new Promise<void>((resolve) => {
        const timer = Number.isFinite(remaining) ? setTimeout(resolve, remaining) : undefined;
        this.connectionWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private publishOn(channel: ConfirmChannel, exchange: string, routingKey: string, body: Buffer, properties: MessageProperties, mandatory: boolean | undefined): Promise<PublishOutcome> {
    const messageId = properties.messageId;
    return new Promise<PublishOutcome>((resolve, reject) => {
      const written = channel.publish(exchange, routingKey, body, toAmqpOptions(properties, mandatory), (error: unknown) => {
        if (error) {
          reject(new TransportError(`Broker did not confirm the message to '${exchange}' / '${routingKey}': ${describe(error)}`, { cause: error }));
          return;
        }
        // RabbitMQ sends basic.return before basic.ack for an unroutable mandatory message.
        if (messageId && this.returned.delete(messageId)) resolve('unroutable');
        else resolve('routed');
      });
      if (!written && !this.drained) {
        this.drained = new Promise((done) =>
          channel.once('drain', () => {
            this.drained = undefined;
            done();
          }),
        );
      }
    });
  }
}

/** Declares on a throwaway channel: a failed declaration closes its channel, and no other channel should go with it. */
async function declareOn(connection: ChannelModel, topology: Topology): Promise<void> {
  const channel = await connection.createChannel();
  channel.on('error', () => {});
  let entity = '';
  try {
    for (const exchange of topology.exchanges) {
      entity = exchange.name;
      await channel.assertExchange(exchange.name, exchange.type, { durable: exchange.durable });
    }
    for (const queue of topology.queues) {
      entity = queue.name;
      await channel.assertQueue(queue.name, { durable: queue.durable, arguments: queue.arguments });
    }
    for (const binding of topology.bindings) {
      entity = binding.queue;
      await channel.bindQueue(binding.queue, binding.exchange, binding.routingKey, binding.arguments ?? {});
    }
  } catch (error) {
    if ((error as { code?: number }).code === 406) {
      throw new TopologyMismatchError(entity, (error as Error).message.replace(/^.*PRECONDITION_FAILED - /, ''), { cause: error });
    }
    throw new TransportError(`Declaring '${entity}' failed: ${describe(error)}`, { cause: error });
  } finally {
    await channel.close().catch(() => {});
  }
}

async function openReplyChannel(connection: ChannelModel, onClose: () => void): Promise<Channel> {
  const channel = await connection.createChannel();
  // For replies that answer no delivery of ours (control questions). If it closes, the next reply opens a new one.
  channel.on('error', () => {});
  channel.on('close', onClose);
  return channel;
}

function toDelivery(channel: Channel, message: Message, acks?: AckBatcher): Delivery {
  return new AmqpDelivery(channel, message, acks);
}

/** One delivery: a class rather than an object of closures, as one is made for every message. */
class AmqpDelivery implements Delivery {
  readonly body: Buffer;
  readonly properties: MessageProperties;
  readonly routingKey: string;
  readonly redelivered: boolean;

  constructor(
    private readonly channel: Channel,
    private readonly message: Message,
    private readonly acks: AckBatcher | undefined,
  ) {
    this.body = message.content;
    this.properties = fromAmqpProperties(message.properties);
    this.routingKey = message.fields.routingKey;
    this.redelivered = message.fields.redelivered;
  }

  /**
   * Publishes on the channel this message came in on; false when that channel has closed. Acks
   * settled before it leave first, in order on the channel: a message acknowledged before its
   * reply stays acknowledged even if the reply makes the broker close the connection.
   */
  publishOnChannel(routingKey: string, body: Buffer, options: Options.Publish): boolean {
    try {
      this.acks?.flush();
      this.channel.publish('', routingKey, body, options);
      return true;
    } catch {
      return false;
    }
  }

  // On a closed channel the broker has already requeued the message: settling it is a no-op.
  ack(): void {
    try {
      if (this.acks) this.acks.ack(this.message);
      else this.channel.ack(this.message);
    } catch {
      /* channel closed */
    }
  }

  nack(requeue: boolean): void {
    try {
      if (this.acks) this.acks.nack(this.message, requeue);
      else this.channel.nack(this.message, false, requeue);
    } catch {
      /* channel closed */
    }
  }
}

function toAmqpOptions(properties: MessageProperties, mandatory: boolean | undefined): Options.Publish {
  return {
    messageId: properties.messageId,
    correlationId: properties.correlationId,
    replyTo: properties.replyTo,
    contentType: properties.contentType,
    timestamp: properties.timestamp,
    persistent: properties.persistent,
    headers: properties.headers,
    mandatory,
  };
}

function fromAmqpProperties(properties: Message['properties']): MessageProperties {
  return {
    messageId: properties.messageId as string | undefined,
    correlationId: properties.correlationId as string | undefined,
    replyTo: properties.replyTo as string | undefined,
    contentType: properties.contentType as string | undefined,
    timestamp: properties.timestamp as number | undefined,
    persistent: properties.deliveryMode === 2,
    headers: properties.headers ?? {},
  };
}

function withHeartbeat(url: string, heartbeatSeconds: number | undefined): string {
  if (heartbeatSeconds === undefined) return url;
  const parsed = new URL(url);
  if (!parsed.searchParams.has('heartbeat')) parsed.searchParams.set('heartbeat', String(heartbeatSeconds));
  return parsed.toString();
}
