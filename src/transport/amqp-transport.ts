import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage, Options, RecoveringChannelModel } from 'amqplib';
import type { Logger } from '../logging/logger';
import { ExchangeNotFoundError, PublishRefusedError, TransportError, UnencodableMessageError, describe } from '../errors';
import type { BindingDeclaration, Topology } from '../topology/topology';
import { AckBatcher } from './ack-batcher';
import { connectTarget, scrubSecrets, type BrokerCredentials } from './amqp-credentials';
import { AddressRotation, brokerAddresses, reconnectDelayMs } from './broker-addresses';
import { AmqpConsumer, type AmqpConsumerHost } from './amqp-consumer';
import { declareOn } from './amqp-declare';
import { AmqpDelivery, fromAmqpProperties, toAmqpOptions, withEncodableNumbers } from './amqp-delivery';
import { openAmqpLease } from './amqp-lease';
import { PublishBlock, type BlockingSource } from './broker-alarm';
import { channelBudget, type ChannelBudget } from './channel-budget';
import { restoreDelayMs, type ConsumerStateChange, type ConsumerStateSource } from './consumer-state';
import { redactUrl } from './redact-url';
import { coalesceWrites, socketOf } from './write-coalescing';
import { eachBounded } from '../util/each-bounded';
import { CONSUMER_STARTS_AT_ONCE } from './transport';
import type { ConnectionStateChange, Delivery, LeaseChannel, LeaseToken, MessageProperties, PublishOptions, PublishOutcome, QueueBrowser, QueueInfo, Subscription, Transport } from './transport';

/** RabbitMQ's pseudo-queue for direct reply-to: replies need no queue of their own. */
const DIRECT_REPLY_TO = 'amq.rabbitmq.reply-to';

/** A refused publish is tried again after 50 ms, doubling to at most 1 s, until publishTimeoutMs. */
const NACK_RETRY_FIRST_MS = 50;
const NACK_RETRY_MAX_MS = 1_000;

/** Per round of addresses: 200 ms, doubling, to at most 10 s, with 30% jitter. */
const RECONNECT_BACKOFF = { initialDelayMs: 200, maxDelayMs: 10_000, factor: 2, jitter: 0.3 } as const;

export interface AmqpTransportOptions extends BrokerCredentials {
  /**
   * The broker; its user and password, if any, are percent-decoded as UTF-8. `username`/`password`
   * override them. Several, comma-separated (`amqp://a:5672,amqp://b:5672`), are tried in turn.
   */
  readonly url: string;
  /** Shown in RabbitMQ's management UI and `rabbitmqctl list_connections client_properties`. */
  readonly connectionName: string;
  readonly heartbeatSeconds?: number;
  /**
   * How long a publish may wait for the connection while reconnecting, or for the broker to stop
   * blocking publishes (a resource alarm) and confirm, before it fails. Default 10 s.
   */
  readonly publishTimeoutMs?: number;
  /** Where the broker's blocking of this connection (a resource alarm) and its end are logged. */
  readonly logger?: Logger;
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
 * The broker can also close one channel under a live connection: a consumer's (amqp-consumer.ts
 * restores it) or the publishing one (a publish to a missing exchange; it is reopened here, with
 * the same backoff). A publish first checks that its exchange exists, so a missing namespace is
 * an error of that call alone and closes no channel. Under a resource alarm the broker blocks the
 * connection and reads nothing more from it: publishes then fail within publishTimeoutMs naming
 * the alarm (broker-alarm.ts).
 */
export class AmqpTransport implements Transport, ConsumerStateSource, BlockingSource {
  /** The broker addresses, each as amqplib connects to it and as logs name it (no password). */
  private readonly addresses: AddressRotation<{ readonly target: Options.Connect; readonly shown: string }>;
  private model!: RecoveringChannelModel;
  private connection: ChannelModel | undefined;
  private publishChannel: ConfirmChannel | undefined;
  private replyChannel: Promise<Channel> | undefined;
  private replyHandler: ((body: Buffer, properties: MessageProperties) => void) | undefined;
  private readonly returned = new Set<string>();
  private readonly topologies: Topology[] = [];
  /** Exchanges known to exist: declared here, or checked before a first publish. */
  private readonly knownExchanges = new Set<string>(['']);
  private readonly checkingExchanges = new Map<string, Promise<void>>();
  /** The publish channel each reply consumer was started on: one per channel, never two. */
  private readonly replyConsumers = new WeakMap<Channel, Promise<unknown>>();
  private publishRestoreAttempt = 0;
  private publishRestoredAt = 0;
  private readonly consumers = new Set<AmqpConsumer>();
  private readonly consumerListeners: Array<(change: ConsumerStateChange) => void> = [];
  /** Every consumer channel still open, cancelled ones included: they may still be acking. */
  private readonly consumerChannels = new Set<Channel>();
  private readonly ackBatchers = new Map<Channel, AckBatcher>();
  /**
   * Consumer channels, opened or still opening, with the connection they are on and how many
   * consumers started on them: consumers started at once share the ones still opening too.
   */
  private readonly consumersOn = new Set<ConsumerChannel>();
  private openingConsumerChannels = 0;
  private readonly stateListeners: Array<(change: ConnectionStateChange) => void> = [];
  private connectionWaiters: Array<() => void> = [];
  private drained: Promise<void> | undefined;
  private closing = false;
  private failure: Error | undefined;
  /** Between connection.blocked and connection.unblocked: a resource alarm on the broker. */
  private readonly block: PublishBlock;

  private constructor(private readonly options: AmqpTransportOptions) {
    this.addresses = new AddressRotation(brokerAddresses(options.url).map((url) => ({ target: connectTarget(url, options, options.heartbeatSeconds), shown: redactUrl(url) })));
    this.block = new PublishBlock(options.publishTimeoutMs ?? 10_000, (blocked, reason) => {
      const fields = { broker: this.description, connection: options.connectionName, reason };
      if (blocked) options.logger?.warn(fields, `RabbitMQ is blocking publishes on this connection: ${reason}; publishes fail after publishTimeoutMs until it stops`);
      else options.logger?.info(fields, 'RabbitMQ stopped blocking publishes on this connection');
    });
  }

  /** The broker connected to (or being tried) now. */
  get description(): string {
    return this.addresses.current.shown;
  }

  static async connect(options: AmqpTransportOptions): Promise<AmqpTransport> {
    const transport = new AmqpTransport(options);
    const { addresses } = transport;
    // amqplib reads the target's fields afresh on every attempt: this one reads the current address's.
    const target = new Proxy(addresses.current.target, { get: (_first, field) => Reflect.get(addresses.current.target, field) });
    try {
      // noDelay: without TCP_NODELAY, Nagle's algorithm holds small frames back and a
      // request/reply round trip takes ~4 ms instead of ~0.5 ms.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const amqp = require('amqplib') as typeof import('amqplib'); // on use: the embedded broker and CPU threads never connect
      transport.model = await amqp.connect(target, {
        noDelay: true,
        clientProperties: { connection_name: options.connectionName },
        recovery: {
          // Called before each reconnect attempt: the next attempt goes to the next address.
          calculateDelay: (attempt: number) => {
            addresses.advance();
            return reconnectDelayMs(attempt, addresses.size, RECONNECT_BACKOFF);
          },
          // A wrong URL at start-up fails within a second, clearly, after every address was tried twice.
          initialMaxRetries: 2 * addresses.size,
          setup: (model: ChannelModel) => transport.setUp(model),
        },
      });
    } catch (error) {
      const cause = transport.scrub(error);
      const where = addresses.size > 1 ? `any of ${redactUrl(options.url)}` : transport.description;
      throw new TransportError(`Cannot connect to RabbitMQ at ${where}: ${describe(cause)}`, { cause });
    }
    transport.watch();
    return transport;
  }

  async declare(topology: Topology): Promise<void> {
    const connection = await this.waitForConnection(Number.POSITIVE_INFINITY);
    await declareOn(connection, topology, budgetOf(connection).declareChannels);
    this.topologies.push(topology);
    for (const exchange of topology.exchanges) this.knownExchanges.add(exchange.name);
  }

  async unbind(binding: BindingDeclaration): Promise<void> {
    const connection = await this.waitForConnection(Number.POSITIVE_INFINITY);
    await declareOn(connection, { exchanges: [], queues: [], bindings: [], unbindings: [binding] });
  }

  async publish(exchange: string, routingKey: string, body: Buffer, properties: MessageProperties, options: PublishOptions = {}): Promise<PublishOutcome> {
    const messageId = properties.messageId;
    if (options.mandatory && !messageId) throw new TransportError('A mandatory publish needs a messageId to match its return');
    const started = Date.now();
    const deadline = started + (this.options.publishTimeoutMs ?? 10_000);
    let refusals = 0;
    for (;;) {
      // While blocked, nothing is written: a message that failed here was not sent, and a channel
      // opened to check an exchange would wait for the alarm too.
      await this.block.waitUntilUnblocked(deadline);
      if (!this.knownExchanges.has(exchange)) await this.checkExchange(exchange, deadline);
      const channel = await this.waitForPublishChannel(deadline);
      try {
        return await this.publishOn(channel, exchange, routingKey, body, properties, options.mandatory, deadline);
      } catch (error) {
        if (error instanceof PublishRefusedError && !this.closing) {
          // Refused (a full queue, a quorum queue electing its leader): try again, backing off, within the timeout.
          const waitMs = Math.min(NACK_RETRY_MAX_MS, NACK_RETRY_FIRST_MS * 2 ** refusals++, deadline - Date.now());
          if (waitMs <= 0) throw new PublishRefusedError(`${error.message} ${refusals} time(s) over ${Date.now() - started} ms: a queue it routes to is full (x-overflow reject-publish) or a quorum queue has no leader now`, { cause: error.cause });
          this.options.logger?.debug({ exchange, routingKey, messageId, refusals }, `${error.message}; trying again in ${waitMs} ms`);
          await new Promise((resolve) => setTimeout(resolve, waitMs));
          continue;
        }
        // The connection died before the broker confirmed: publish again once it is back.
        // At least once: the broker may have taken the first copy.
        if (this.closing || this.failure || Date.now() >= deadline || channel === this.publishChannel) throw error;
      }
    }
  }

  async consume(queue: string, prefetch: number, onDelivery: (delivery: Delivery) => void): Promise<Subscription> {
    const consumer = new AmqpConsumer(queue, prefetch, onDelivery, this.consumerHost);
    this.consumers.add(consumer);
    try {
      await consumer.start(await this.waitForConnection(Number.POSITIVE_INFINITY));
    } catch (error) {
      this.consumers.delete(consumer);
      consumer.stop();
      throw error;
    }
    return {
      cancel: async () => {
        this.consumers.delete(consumer);
        await consumer.cancel();
      },
    };
  }

  async consumeLease(queue: string, onToken: (token: LeaseToken) => void, onLost: (error: Error | undefined) => void): Promise<LeaseChannel> {
    const lease = await openAmqpLease(await this.waitForConnection(Number.POSITIVE_INFINITY), queue, onToken, onLost);
    // Closed with the others on close, so what it holds goes back before the connection does.
    this.consumerChannels.add(lease.channel);
    lease.channel.on('close', () => this.consumerChannels.delete(lease.channel));
    return lease;
  }

  async openReplyQueue(onReply: (body: Buffer, properties: MessageProperties) => void): Promise<string> {
    this.replyHandler = onReply;
    // The set-up of a connection that comes up meanwhile starts the consumer too: consumeReplies
    // starts it once per channel, whoever asks first.
    await this.consumeReplies(await this.waitForPublishChannel(Number.POSITIVE_INFINITY));
    return DIRECT_REPLY_TO;
  }

  onConsumerChange(listener: (change: ConsumerStateChange) => void): void {
    this.consumerListeners.push(listener);
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
    this.block.refuse(`queue '${queue}' cannot be inspected`);
    // A passive declare of a missing queue closes its channel: use a throwaway one.
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

  async browse(queue: string): Promise<QueueBrowser> {
    this.block.refuse(`no message can be taken from '${queue}'`);
    // A channel of its own: closing it puts back only what this browser holds, in the order read.
    const channel = await (await this.waitForConnection(Date.now() + (this.options.publishTimeoutMs ?? 10_000))).createChannel();
    channel.on('error', () => {});
    this.consumerChannels.add(channel); // closed, and so put back, before the connection on close()
    channel.on('close', () => this.consumerChannels.delete(channel));
    let held = 0;
    let readyAfterLast = 0;
    let closed = false;
    return {
      next: async () => {
        const message = await channel.get(queue, { noAck: false });
        if (!message) return undefined;
        held++;
        readyAfterLast = message.fields.messageCount;
        const delivery = new AmqpDelivery(channel, message, undefined);
        const settle = (how: () => void) => () => {
          held--;
          how();
        };
        return { body: delivery.body, properties: delivery.properties, routingKey: delivery.routingKey, redelivered: delivery.redelivered, ack: settle(() => delivery.ack()), nack: (requeue) => settle(() => delivery.nack(requeue))() };
      },
      close: async () => {
        if (closed) return;
        closed = true;
        // Closing the channel puts back everything still held, in delivery order, as a crash would:
        // 10 000 back in ~50 ms, where a basic.nack of all (multiple, requeue) took ~27 s.
        await channel.close().catch(() => {});
        if (held > 0) await this.untilReady(queue, readyAfterLast + held);
      },
    };
  }

  async purge(queue: string): Promise<number> {
    this.block.refuse(`queue '${queue}' cannot be purged`);
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

  /** The broker's reason ("low on memory", "low on disk space") while it blocks this connection's publishes. */
  get blockedBy(): string | undefined {
    return this.block.blockedBy;
  }

  /** True while a connection is up and set up. */
  get connected(): boolean {
    return this.connection !== undefined;
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const consumer of this.consumers) consumer.stop();
    // Close every channel first, and wait for each: amqplib interleaves channels' frames, so an
    // ack written just before a bare connection close can be overtaken by it and lost. A
    // channel's close-ok comes after the broker has processed everything sent on that channel.
    for (const acks of this.ackBatchers.values()) acks.flush();
    const channels: Array<Channel | undefined> = [...this.consumerChannels, this.publishChannel];
    channels.push(await this.replyChannel?.catch(() => undefined));
    // A blocked connection is not read by the broker: no close-ok would come until the alarm
    // clears. amqplib then drops the socket at once; what it held is redelivered (at least once).
    if (this.block.blockedBy === undefined) await Promise.all(channels.map((channel) => channel?.close().catch(() => {})));
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
    const publishChannel = await this.openPublishChannel(connection);
    await declareOn(connection, this.topologies, budgetOf(connection).declareChannels);
    this.connection = connection;
    this.publishChannel = publishChannel;
    this.replyChannel = undefined;
    await eachBounded([...this.consumers], CONSUMER_STARTS_AT_ONCE, (consumer) => consumer.start(connection));
    for (const resolve of this.connectionWaiters.splice(0)) resolve();
  }

  /** The confirm channel for publishing, with the reply consumer on it if this transport has one. */
  private async openPublishChannel(connection: ChannelModel): Promise<ConfirmChannel> {
    const channel = await connection.createConfirmChannel();
    let closedBy: Error | undefined;
    channel.on('error', (error: Error) => {
      // A channel error closes it; publishes see that and retry. A publish to an exchange deleted
      // since it was checked is one: check it again before the next publish to it.
      closedBy = error;
      const missing = /NOT_FOUND - no exchange '([^']*)'/.exec(error.message)?.[1];
      if (missing !== undefined) this.knownExchanges.delete(missing);
    });
    channel.on('close', () => this.publishChannelClosed(channel, connection, closedBy));
    channel.on('return', (message: ConsumeMessage) => {
      const id = message.properties.messageId as string | undefined;
      if (id) this.returned.add(id);
    });
    if (this.replyHandler) await this.consumeReplies(channel);
    return channel;
  }

  private publishChannelClosed(channel: ConfirmChannel, connection: ChannelModel, closedBy: Error | undefined): void {
    if (channel !== this.publishChannel) return;
    this.publishChannel = undefined;
    // As for a consumer channel: if the whole connection went, the next set-up opens a new one.
    setImmediate(() => {
      if (this.closing || this.connection !== connection) return;
      if (this.replyHandler) {
        // Direct reply-to addresses belong to their channel: replies to the old one are dropped.
        const error = new TransportError(`The broker closed the publish channel, and with it the reply consumer: ${closedBy ? describe(closedBy) : 'no reason given'}`, { cause: closedBy });
        this.reportConsumer({ queue: DIRECT_REPLY_TO, state: 'lost', error, restarts: 0 });
      }
      if (Date.now() - this.publishRestoredAt > 30_000) this.publishRestoreAttempt = 0;
      this.reopenPublishChannel(connection);
    });
  }

  private reopenPublishChannel(connection: ChannelModel): void {
    const timer = setTimeout(() => {
      if (this.closing || this.connection !== connection || this.publishChannel) return;
      this.openPublishChannel(connection).then(
        (channel) => {
          if (this.closing || this.connection !== connection) return void channel.close().catch(() => {});
          this.publishChannel = channel;
          this.publishRestoredAt = Date.now();
          if (this.replyHandler) this.reportConsumer({ queue: DIRECT_REPLY_TO, state: 'restored', restarts: ++this.publishRestoreAttempt });
          for (const resolve of this.connectionWaiters.splice(0)) resolve();
        },
        () => this.reopenPublishChannel(connection),
      );
    }, restoreDelayMs(this.publishRestoreAttempt++));
    timer.unref();
  }

  /** A channel of its own while the connection's budget has one (channel-budget.ts), else the least shared of this connection's. */
  private async consumerChannelFor(connection: ChannelModel): Promise<{ channel: Channel; acks: AckBatcher }> {
    const budget = budgetOf(connection);
    if (this.consumerChannels.size + this.openingConsumerChannels < budget.ownConsumerChannels) {
      const use: ConsumerChannel = { connection, consumers: 1, opened: this.openConsumerChannel(connection, () => this.consumersOn.delete(use)) };
      this.consumersOn.add(use);
      use.opened.catch(() => this.consumersOn.delete(use));
      return use.opened;
    }
    let least: ConsumerChannel | undefined;
    for (const use of this.consumersOn) if (use.connection === connection && (!least || use.consumers < least.consumers)) least = use;
    if (!least) throw new TransportError(`No channel to consume on: this connection's channel_max is ${channelMaxOf(connection)}`);
    least.consumers++;
    const opened = await least.opened;
    // Each consumer on it listens for its close: many listeners are expected.
    opened.channel.setMaxListeners(0);
    return opened;
  }

  private async openConsumerChannel(connection: ChannelModel, onClose: () => void): Promise<{ channel: Channel; acks: AckBatcher }> {
    this.openingConsumerChannels++;
    try {
      const channel = await connection.createChannel();
      const acks = new AckBatcher(channel);
      this.consumerChannels.add(channel);
      this.ackBatchers.set(channel, acks);
      channel.on('close', () => {
        this.consumerChannels.delete(channel);
        this.ackBatchers.delete(channel);
        onClose();
      });
      return { channel, acks };
    } finally {
      this.openingConsumerChannels--;
    }
  }

  private reportConsumer(change: ConsumerStateChange): void {
    for (const listener of this.consumerListeners) listener(change);
  }

  /** What each consumer needs from this transport. */
  private readonly consumerHost: AmqpConsumerHost = {
    current: () => this.connection,
    redeclare: async (queue, connection) => {
      // Only what this queue needs: itself, its bindings and the exchanges they name.
      const bindings = this.topologies.flatMap((topology) => topology.bindings.filter((binding) => binding.queue === queue));
      const named = new Set(bindings.map((binding) => binding.exchange));
      await declareOn(connection, {
        exchanges: this.topologies.flatMap((topology) => topology.exchanges.filter((exchange) => named.has(exchange.name))),
        queues: this.topologies.flatMap((topology) => topology.queues.filter((declared) => declared.name === queue)),
        bindings,
        unbindings: this.topologies.flatMap((topology) => topology.unbindings?.filter((binding) => binding.queue === queue) ?? []),
      });
    },
    channelFor: (connection) => this.consumerChannelFor(connection),
    report: (change) => this.reportConsumer(change),
  };

  private watch(): void {
    this.model.on('blocked', (reason: unknown) => this.block.blocked(typeof reason === 'string' && reason ? reason : 'no reason given'));
    this.model.on('unblocked', () => this.block.unblocked());
    this.model.on('disconnect', (error: Error) => {
      // A new connection starts unblocked; the broker blocks it again at its first publish if the alarm holds.
      this.block.unblocked(true);
      this.connection = undefined;
      this.publishChannel = undefined;
      this.replyChannel = undefined;
      const cause = this.scrub(error);
      if (!this.closing) this.emitState({ state: 'disconnected', error: new TransportError(`Connection to ${this.description} lost: ${describe(cause)}`, { cause }) });
    });
    this.model.on('connect', () => {
      if (!this.closing) this.emitState({ state: 'reconnected' });
    });
    this.model.on('reconnect-failed', (error: Error) => {
      const cause = this.scrub(error);
      const where = this.addresses.size > 1 ? `any of ${redactUrl(this.options.url)}` : this.description;
      this.failure = new TransportError(`Gave up reconnecting to ${where}: ${describe(cause)}`, { cause });
      for (const resolve of this.connectionWaiters.splice(0)) resolve();
      if (!this.closing) this.emitState({ state: 'failed', error: this.failure });
    });
    this.model.on('error', () => {
      // 'disconnect' follows; handled there.
    });
  }

  /** An error without this transport's password anywhere in it or its causes. */
  private scrub(error: unknown): unknown {
    const urls = brokerAddresses(this.options.url);
    const secrets = [this.options.password ?? '', ...urls.map(rawPassword), ...urls.map(decodedPassword)];
    return scrubSecrets(error, secrets.sort((a, b) => b.length - a.length));
  }

  private emitState(change: ConnectionStateChange): void {
    for (const listener of this.stateListeners) listener(change);
  }

  private consumeReplies(channel: ConfirmChannel): Promise<unknown> {
    const handler = this.replyHandler;
    if (!handler) return Promise.resolve();
    let consuming = this.replyConsumers.get(channel);
    if (!consuming) {
      consuming = channel.consume(DIRECT_REPLY_TO, (message) => message && handler(message.content, fromAmqpProperties(message.properties)), { noAck: true });
      this.replyConsumers.set(channel, consuming);
      consuming.catch(() => this.replyConsumers.delete(channel));
    }
    return consuming;
  }

  /**
   * Resolves once the exchange is known to exist; a missing one rejects with ExchangeNotFoundError.
   * A passive check on a throwaway channel: publishing to a missing exchange would close the
   * publish channel, and every other publish and the reply consumer on it with it.
   */
  private checkExchange(exchange: string, deadline: number): Promise<void> {
    let checking = this.checkingExchanges.get(exchange);
    if (!checking) {
      checking = (async () => {
        const channel = await (await this.waitForConnection(deadline)).createChannel();
        channel.on('error', () => {});
        try {
          await channel.checkExchange(exchange);
          this.knownExchanges.add(exchange);
        } catch (error) {
          if ((error as { code?: number }).code === 404) throw new ExchangeNotFoundError(exchange, { cause: error });
          throw new TransportError(`Cannot check exchange '${exchange}': ${describe(error)}`, { cause: error });
        } finally {
          await channel.close().catch(() => {});
        }
      })().finally(() => this.checkingExchanges.delete(exchange));
      this.checkingExchanges.set(exchange, checking);
    }
    return checking;
  }

  /**
   * Until the queue counts at least `ready` messages, for at most 2 s. The broker hands requeued
   * messages to the queue asynchronously, and answers a count before it has them (it serves that
   * question first), so a count taken right after a browser closes could miss what it put back.
   */
  private async untilReady(queue: string, ready: number): Promise<void> {
    const deadline = Date.now() + 2_000;
    while (Date.now() < deadline) {
      const info = await this.queueInfo(queue).catch(() => undefined);
      if (!info || info.messages >= ready) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** The publish channel; waits for the connection (or the channel's reopening) until the deadline. */
  private async waitForPublishChannel(deadline: number): Promise<ConfirmChannel> {
    for (;;) {
      await this.waitForConnection(deadline);
      if (this.publishChannel) return this.publishChannel;
      await this.waitForSignal(deadline);
    }
  }

  /** The live connection; waits for recovery until the deadline, then fails clearly. */
  private async waitForConnection(deadline: number): Promise<ChannelModel> {
    for (;;) {
      if (this.closing) throw new TransportError('Transport is closed');
      if (this.failure) throw this.failure;
      if (this.connection) return this.connection;
      await this.waitForSignal(deadline);
    }
  }

  /** Until the next set-up or reopened publish channel, or the deadline (then fails clearly). */
  private async waitForSignal(deadline: number): Promise<void> {
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

  private publishOn(channel: ConfirmChannel, exchange: string, routingKey: string, body: Buffer, properties: MessageProperties, mandatory: boolean | undefined, deadline: number): Promise<PublishOutcome> {
    const messageId = properties.messageId;
    return new Promise<PublishOutcome>((resolve, reject) => {
      // A broker that blocks the connection reads nothing more, this publish's confirm included:
      // past the deadline, while blocked, the caller is told rather than kept for the whole alarm.
      const tracked = this.block.track(deadline, `'${exchange}' / '${routingKey}'`, reject);
      const onConfirm = (error: unknown) => {
        tracked.settle();
        if (error) {
          // amqplib's only confirm error is a basic.nack: the broker took nothing, so it may be sent again.
          reject(new PublishRefusedError(`RabbitMQ refused the message to '${exchange}' / '${routingKey}' (basic.nack)`, { cause: error }));
          return;
        }
        // RabbitMQ sends basic.return before basic.ack for an unroutable mandatory message.
        if (messageId && this.returned.delete(messageId)) resolve('unroutable');
        else resolve('routed');
      };
      // amqplib encodes before it writes or counts the publish: a message it cannot encode left nothing behind.
      const options = toAmqpOptions(properties, mandatory);
      let written: boolean;
      try {
        written = channel.publish(exchange, routingKey, body, options, onConfirm);
      } catch (error) {
        // A closed channel throws here too: that one the publish loop retries on the next channel.
        if ((error as Error).name === 'IllegalOperationError') {
          tracked.settle();
          reject(error as Error);
          return;
        }
        try {
          written = channel.publish(exchange, routingKey, body, withEncodableNumbers(options), onConfirm);
        } catch (error) {
          tracked.settle();
          reject(new UnencodableMessageError(`The message to '${exchange}' / '${routingKey}' cannot be encoded: ${describe(error)}`, { cause: error }));
          return;
        }
      }
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

/** A consumer channel, from when it is asked for: `opened` settles once the broker has opened it. */
interface ConsumerChannel {
  readonly connection: ChannelModel;
  consumers: number;
  readonly opened: Promise<{ channel: Channel; acks: AckBatcher }>;
}

/** The channel_max this connection negotiated (amqplib reads 0, no limit, as 65535). */
function channelMaxOf(connection: ChannelModel): number {
  return (connection as unknown as { connection?: { channelMax?: number } }).connection?.channelMax ?? 0xffff;
}

function budgetOf(connection: ChannelModel): ChannelBudget {
  return channelBudget(channelMaxOf(connection));
}

async function openReplyChannel(connection: ChannelModel, onClose: () => void): Promise<Channel> {
  const channel = await connection.createChannel();
  // For replies that answer no delivery of ours (control questions). If it closes, the next reply opens a new one.
  channel.on('error', () => {});
  channel.on('close', onClose);
  return channel;
}

function rawPassword(url: string): string {
  return URL.canParse(url) ? new URL(url).password : '';
}

function decodedPassword(url: string): string {
  try {
    return decodeURIComponent(rawPassword(url));
  } catch {
    return '';
  }
}
