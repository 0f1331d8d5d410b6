import amqp, { type ChannelModel } from 'amqplib';

export interface ServerVersion {
  readonly product: string;
  readonly version: string;
  readonly platform: string;
}

/** The bench process's own broker connection for housekeeping: versions, purges, clean-up. */
export class BrokerAdmin {
  private constructor(private readonly connection: ChannelModel) {}

  static async connect(url: string): Promise<BrokerAdmin> {
    return new BrokerAdmin(await amqp.connect(url, { noDelay: true, clientProperties: { connection_name: `bench admin ${process.pid}` } }));
  }

  /** From the AMQP connection.start server properties. */
  serverVersion(): ServerVersion {
    const { product, version, platform } = this.connection.connection.serverProperties;
    return { product: String(product ?? '?'), version: String(version ?? '?'), platform: String(platform ?? '?') };
  }

  /** Removes the ready messages of a queue; returns how many. */
  async purge(queue: string): Promise<number> {
    return this.withChannel(async (channel) => (await channel.purgeQueue(queue)).messageCount);
  }

  /** Consumers on a queue, or -1 while the queue does not exist. */
  async consumers(queue: string): Promise<number> {
    return this.withChannel(async (channel) => (await channel.checkQueue(queue)).consumerCount).catch(() => -1);
  }

  /** Best effort: deletes what a run declared, so a shared broker is left as it was found. */
  async deleteAll(queues: readonly string[], exchanges: readonly string[]): Promise<void> {
    for (const queue of queues) await this.withChannel((channel) => channel.deleteQueue(queue)).catch(() => {});
    for (const exchange of exchanges) await this.withChannel((channel) => channel.deleteExchange(exchange)).catch(() => {});
  }

  async close(): Promise<void> {
    await this.connection.close().catch(() => {});
  }

  /** A fresh channel per operation: a failed check closes its channel, not the connection. */
  private async withChannel<T>(work: (channel: Awaited<ReturnType<ChannelModel['createChannel']>>) => Promise<T>): Promise<T> {
    const channel = await this.connection.createChannel();
    channel.on('error', () => {});
    try {
      return await work(channel);
    } finally {
      await channel.close().catch(() => {});
    }
  }
}
