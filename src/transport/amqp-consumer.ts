import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { TransportError, describe } from '../errors';
import type { AckBatcher } from './ack-batcher';
import { AmqpDelivery } from './amqp-delivery';
import { restoreDelayMs, type ConsumerStateChange } from './consumer-state';
import type { Delivery } from './transport';

/** What a consumer needs from the transport that owns it. */
export interface AmqpConsumerHost {
  /** The connection in use now; undefined while reconnecting (the transport's set-up starts every consumer again then). */
  current(): ChannelModel | undefined;
  /** Declares again what the queue needs: a queue an operator deleted comes back, with its bindings. */
  redeclare(queue: string, connection: ChannelModel): Promise<void>;
  /**
   * A channel to consume on, with the batcher of its acks: one of its own while the connection
   * has channels to spare (channel-budget.ts), else one it shares with other consumers. The
   * transport flushes its acks and closes it on close.
   */
  channelFor(connection: ChannelModel): Promise<{ channel: Channel; acks: AckBatcher }>;
  report(change: ConsumerStateChange): void;
}

/** After this long up, a consumer lost again starts its backoff from the beginning. */
const STABLE_MS = 30_000;

/**
 * One queue's consumer with its own prefetch window, on a channel of its own (or, past what the
 * connection's channel_max leaves, one it shares: then a channel the broker closes takes all of
 * its consumers, and each is restored), kept alive for as long as it is not cancelled. The
 * broker can take a consumer away while the connection lives: it closes the channel
 * (`consumer_timeout`, a precondition failure) or cancels the consumer (`basic.cancel`: the
 * queue was deleted). Either is reported as lost and restored with a backoff: the queue's
 * topology declared again, the consumer started again (on the same channel after a cancel, so the
 * deliveries still running on it can be settled; on a new one after a close). A delivery keeps
 * the channel it came from, so nothing from a dead channel is acknowledged on its successor.
 */
export class AmqpConsumer {
  private channel: Channel | undefined;
  /** The connection `channel` belongs to. */
  private channelConnection: ChannelModel | undefined;
  private acks: AckBatcher | undefined;
  private consumerTag: string | undefined;
  private cancelled = false;
  /** Why the consumer is missing, while it is. */
  private lostBecause: Error | undefined;
  private restarts = 0;
  private attempt = 0;
  private restoredAt = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Starts run one after the other: a restore and the transport's set-up never start it twice. */
  private work: Promise<void> = Promise.resolve();

  constructor(
    readonly queue: string,
    private readonly prefetch: number,
    private readonly onDelivery: (delivery: Delivery) => void,
    private readonly host: AmqpConsumerHost,
  ) {}

  /** Consumes on this connection unless it already does. Rejects if the broker refuses. */
  start(connection: ChannelModel): Promise<void> {
    const run = this.work.then(() => this.startOn(connection));
    this.work = run.catch(() => {});
    return run;
  }

  /** Stops new deliveries; the channel stays open for the deliveries still running on it. */
  async cancel(): Promise<void> {
    this.stop();
    await this.work;
    const { channel, consumerTag } = this;
    this.consumerTag = undefined;
    if (channel && consumerTag) await channel.cancel(consumerTag).catch(() => {});
  }

  /** No more restores (the transport is closing). */
  stop(): void {
    this.cancelled = true;
    clearTimeout(this.timer);
  }

  private async startOn(connection: ChannelModel): Promise<void> {
    if (this.cancelled || (this.consumerTag && this.channelConnection === connection)) return;
    const channel = this.channel && this.channelConnection === connection ? this.channel : await this.openChannel(connection);
    const acks = this.acks as AckBatcher;
    // Written back to back, with nothing between them on a shared channel: a non-global
    // basic.qos limits each consumer started after it on the channel, so this one gets its own.
    const qos = channel.prefetch(this.prefetch);
    const consuming = channel.consume(this.queue, (message) => this.deliver(channel, acks, message));
    const [, { consumerTag }] = await Promise.all([qos, consuming]);
    this.consumerTag = consumerTag;
    clearTimeout(this.timer);
    if (this.lostBecause) {
      this.lostBecause = undefined;
      this.restarts++;
      this.restoredAt = Date.now();
      this.attempt = 0;
      this.host.report({ queue: this.queue, state: 'restored', restarts: this.restarts });
    }
  }

  private async openChannel(connection: ChannelModel): Promise<Channel> {
    const { channel, acks } = await this.host.channelFor(connection);
    let closedBy: Error | undefined;
    channel.on('error', (error: Error) => (closedBy = error));
    channel.on('close', () => this.channelClosed(channel, connection, closedBy));
    this.channel = channel;
    this.channelConnection = connection;
    this.acks = acks;
    return channel;
  }

  private deliver(channel: Channel, acks: AckBatcher, message: ConsumeMessage | null): void {
    if (message) {
      acks.delivered(message);
      this.onDelivery(new AmqpDelivery(channel, message, acks));
      return;
    }
    // basic.cancel from the broker: the queue was deleted (or, for a mirrored queue, its leader moved).
    if (channel !== this.channel) return;
    this.consumerTag = undefined;
    this.lost(new TransportError(`The broker cancelled the consumer of queue '${this.queue}' (was the queue deleted?)`));
  }

  private channelClosed(channel: Channel, connection: ChannelModel, closedBy: Error | undefined): void {
    if (channel !== this.channel) return;
    this.channel = undefined;
    this.channelConnection = undefined;
    this.acks = undefined;
    this.consumerTag = undefined;
    if (this.cancelled) return;
    // When the connection goes, its channels close first and the connection right after, in one
    // go: by the next turn the transport knows, and its set-up on the next connection brings the
    // consumer back. Only a channel closed under a live connection is a lost consumer.
    setImmediate(() => {
      if (this.host.current() !== connection) return;
      const reason = closedBy ? describe(closedBy) : 'closed without a reason';
      this.lost(new TransportError(`The broker closed the consumer channel of queue '${this.queue}': ${reason}`, { cause: closedBy }));
    });
  }

  private lost(error: Error): void {
    if (this.cancelled || this.lostBecause) return;
    this.lostBecause = error;
    if (Date.now() - this.restoredAt > STABLE_MS) this.attempt = 0;
    this.host.report({ queue: this.queue, state: 'lost', error, restarts: this.restarts });
    this.scheduleRestore();
  }

  private scheduleRestore(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.restore(), restoreDelayMs(this.attempt++));
    this.timer.unref();
  }

  private async restore(): Promise<void> {
    const connection = this.host.current();
    if (this.cancelled || !this.lostBecause || !connection) return;
    try {
      await this.host.redeclare(this.queue, connection);
      await this.start(connection);
    } catch (error) {
      if (this.cancelled || !this.lostBecause) return;
      const failure = error instanceof Error ? error : new TransportError(describe(error));
      this.host.report({ queue: this.queue, state: 'restoreFailed', error: failure, restarts: this.restarts });
      this.scheduleRestore();
    }
  }
}
