import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { TransportError, describe } from '../errors';
import { fromAmqpProperties, toAmqpOptions } from './amqp-delivery';
import type { LeaseChannel, LeaseToken, OutgoingMessage } from './transport';

// AMQP 0-9-1 method ids of the tx class (class 90): amqplib implements transactions on the wire
// but exposes no API for them, and keeps its method table private.
const TX_SELECT = (90 << 16) | 10;
const TX_SELECT_OK = (90 << 16) | 11;
const TX_COMMIT = (90 << 16) | 20;
const TX_COMMIT_OK = (90 << 16) | 21;

type RpcChannel = Channel & { rpc(method: number, fields: object, expect: number): Promise<unknown> };

/**
 * A consumer of a single-active-consumer queue on a channel in transaction mode: what it holds
 * stays unacknowledged until a commit replaces it, and goes to the next consumer if the channel
 * or the process dies first.
 */
export async function openAmqpLease(
  connection: ChannelModel,
  queue: string,
  onToken: (token: LeaseToken) => void,
  onLost: (error: Error | undefined) => void,
): Promise<LeaseChannel & { readonly channel: Channel }> {
  const channel = (await connection.createChannel()) as RpcChannel;
  const raw = new WeakMap<LeaseToken, ConsumeMessage>();
  let closedBy: Error | undefined;
  let closing = false;
  let lost = false;
  const lose = (error: Error | undefined) => {
    if (lost || closing) return;
    lost = true;
    onLost(error);
  };
  channel.on('error', (error: Error) => (closedBy = error));
  channel.on('close', () => lose(closedBy));
  try {
    await channel.rpc(TX_SELECT, {}, TX_SELECT_OK);
    // Room for the token held, its replacement and a few seeds from runtimes starting together.
    await channel.prefetch(32);
    await channel.consume(
      queue,
      (message) => {
        // null: the broker cancelled the consumer (the queue was deleted).
        if (!message) return lose(new TransportError(`The broker cancelled the consumer of ${queue}`));
        const token: LeaseToken = { body: message.content, properties: fromAmqpProperties(message.properties), redelivered: message.fields.redelivered };
        raw.set(token, message);
        onToken(token);
      },
      { noAck: false },
    );
  } catch (error) {
    closing = true;
    await channel.close().catch(() => {});
    throw new TransportError(`Consuming ${queue} as a lease failed: ${describe(error)}`, { cause: error });
  }
  return {
    channel,
    async commit(publishes: readonly OutgoingMessage[], acks: readonly LeaseToken[]): Promise<void> {
      for (const message of publishes) channel.publish(message.exchange, message.routingKey, message.body, toAmqpOptions(message.properties, false));
      for (const token of acks) {
        const message = raw.get(token);
        if (message) channel.ack(message);
      }
      await channel.rpc(TX_COMMIT, {}, TX_COMMIT_OK);
    },
    async close(): Promise<void> {
      closing = true;
      await channel.close().catch(() => {});
    },
  };
}
