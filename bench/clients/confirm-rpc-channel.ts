import amqp, { type ChannelModel, type ConfirmChannel, type ConsumeMessage, type Options } from 'amqplib';

export const DIRECT_REPLY_TO = 'amq.rabbitmq.reply-to';

/**
 * A raw amqplib caller: one confirm channel that publishes and also consumes RabbitMQ's direct
 * reply-to (the consumer must be on the publishing channel), TCP_NODELAY on, back-pressure honoured.
 */
export class ConfirmRpcChannel {
  private readonly waiting = new Map<string, (message: ConsumeMessage) => void>();
  private drained: Promise<void> | undefined;
  /** Replies nobody waits for (e.g. Celery results of fire-and-forget tasks) go here. */
  onUnclaimedReply: ((message: ConsumeMessage) => void) | undefined;

  private constructor(
    private readonly connection: ChannelModel,
    private readonly channel: ConfirmChannel,
  ) {}

  static async open(url: string, connectionName: string): Promise<ConfirmRpcChannel> {
    const connection = await amqp.connect(url, { noDelay: true, clientProperties: { connection_name: connectionName } });
    const channel = await connection.createConfirmChannel();
    const rpc = new ConfirmRpcChannel(connection, channel);
    await channel.consume(DIRECT_REPLY_TO, (message) => message && rpc.onReply(message), { noAck: true });
    return rpc;
  }

  /** Publishes and resolves on the broker's confirm. */
  async publish(exchange: string, routingKey: string, body: Buffer, options: Options.Publish): Promise<void> {
    if (this.drained) await this.drained;
    await new Promise<void>((resolve, reject) => {
      const written = this.channel.publish(exchange, routingKey, body, options, (error: unknown) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve()));
      if (!written && !this.drained) {
        this.drained = new Promise((done) =>
          this.channel.once('drain', () => {
            this.drained = undefined;
            done();
          }),
        );
      }
    });
  }

  /**
   * One RPC: publishes (confirmed, like every publish here) and resolves with the reply whose
   * correlationId is `id`, as soon as it arrives: a reply proves the message was routed, so like
   * Warren's proxies the caller does not wait on for the confirm. A failed publish fails the call.
   */
  call(exchange: string, routingKey: string, body: Buffer, options: Options.Publish, id: string): Promise<ConsumeMessage> {
    return new Promise((resolve, reject) => {
      this.waiting.set(id, resolve);
      this.publish(exchange, routingKey, body, options).catch((error: unknown) => {
        this.waiting.delete(id);
        reject(error instanceof Error ? error : new Error(String(error)));
      });
    });
  }

  async close(): Promise<void> {
    await this.connection.close().catch(() => {});
  }

  private onReply(message: ConsumeMessage): void {
    const id = message.properties.correlationId as string | undefined;
    const waiter = id === undefined ? undefined : this.waiting.get(id);
    if (waiter && id !== undefined) {
      this.waiting.delete(id);
      waiter(message);
    } else {
      this.onUnclaimedReply?.(message);
    }
  }
}
