/**
 * How a connection's channels are spent, from the `channel_max` it negotiated (RabbitMQ's
 * default is 2047; 0 means no limit, which amqplib reads as 65535). Consumers get a channel each
 * while there is room, keeping a reserve for publishing, replies, declarations and inspection;
 * past that, they share. Pure.
 */
export interface ChannelBudget {
  /** Channels kept for everything that is not a consumer. */
  readonly reserved: number;
  /** How many consumers may have a channel of their own. */
  readonly ownConsumerChannels: number;
  /** How many channels a declaration may use at once. */
  readonly declareChannels: number;
}

export function channelBudget(channelMax: number): ChannelBudget {
  const max = channelMax > 0 ? channelMax : 0xffff;
  const reserved = Math.min(64, Math.max(4, Math.floor(max / 4)));
  return { reserved, ownConsumerChannels: Math.max(1, max - reserved), declareChannels: Math.max(1, Math.min(32, Math.floor(reserved / 2))) };
}
