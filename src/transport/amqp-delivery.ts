import type { Channel, Message, Options } from 'amqplib';
import type { AckBatcher } from './ack-batcher';
import type { Delivery, MessageProperties } from './transport';

/**
 * One delivery: a class rather than an object of closures, as one is made for every message. It
 * keeps the channel it came in on: its ack and reply go there and nowhere else, so a delivery from
 * a channel the broker closed is never acknowledged on the channel that replaced it.
 */
export class AmqpDelivery implements Delivery {
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

export function toAmqpOptions(properties: MessageProperties, mandatory: boolean | undefined): Options.Publish {
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

/**
 * The same options with every header number that is not a safe integer marked as a double:
 * amqplib writes an integer-looking number as a 64-bit integer and throws for one below -2^63,
 * NaN or -Infinity (another client sent it as a double). Only for a publish amqplib refused, so
 * the hot path never scans headers.
 */
export function withEncodableNumbers(options: Options.Publish): Options.Publish {
  const headers: Record<string, unknown> = {};
  for (const [key, value] of Object.entries((options.headers ?? {}) as Record<string, unknown>)) {
    headers[key] = typeof value === 'number' && !Number.isSafeInteger(value) ? { '!': 'double', value } : value;
  }
  return { ...options, headers };
}

export function fromAmqpProperties(properties: Message['properties']): MessageProperties {
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
