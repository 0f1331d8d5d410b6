import type { BindingDeclaration, Topology } from '../topology/topology';

/**
 * Consumers started at once, at start-up and on every reconnection: each is a few round trips on
 * a channel, and channels past what channel_max leaves are shared (amqp-transport.ts).
 */
export const CONSUMER_STARTS_AT_ONCE = 64;

/** The AMQP message properties Warren uses; the memory transport carries the same ones. */
export interface MessageProperties {
  readonly messageId?: string;
  readonly correlationId?: string;
  readonly replyTo?: string;
  readonly contentType?: string;
  readonly timestamp?: number;
  readonly persistent?: boolean;
  readonly headers?: Readonly<Record<string, unknown>>;
}

/** One message handed to a consumer. Exactly one of `ack` or `nack` must be called, once. */
export interface Delivery {
  readonly body: Buffer;
  readonly properties: MessageProperties;
  readonly routingKey: string;
  /** The broker delivered this message before, to a consumer that did not acknowledge it. */
  readonly redelivered: boolean;
  ack(): void;
  /** `requeue: false` dead-letters the message through the queue's dead-letter exchange. */
  nack(requeue: boolean): void;
}

export interface Subscription {
  /** Stops new deliveries; deliveries already handed out stay valid until acked or nacked. */
  cancel(): Promise<void>;
}

export type PublishOutcome = 'routed' | 'unroutable';

/**
 * A queue read one message at a time, each held unacknowledged on the browser's own channel:
 * `ack` removes one for good, and whatever is still held goes back in the order it was read
 * when the browser closes, or when its channel dies with the process that opened it.
 */
export interface QueueBrowser {
  /** The next ready message (basic.get); undefined when the queue has no more. */
  next(): Promise<Delivery | undefined>;
  /** Puts every message still held back where it was, and resolves once the broker has them. */
  close(): Promise<void>;
}

/** A message held on a lease channel (see Transport.consumeLease). */
export interface LeaseToken {
  readonly body: Buffer;
  readonly properties: MessageProperties;
  readonly redelivered: boolean;
}

export interface OutgoingMessage {
  readonly exchange: string;
  readonly routingKey: string;
  readonly body: Buffer;
  readonly properties: MessageProperties;
}

export interface LeaseChannel {
  /**
   * Publishes the messages and acknowledges the tokens in one AMQP transaction: a holder that dies
   * before the broker has the commit leaves none of it, one that dies after leaves all of it.
   */
  commit(publishes: readonly OutgoingMessage[], acks: readonly LeaseToken[]): Promise<void>;
  /** Stops; what it holds goes back to the queue, for the next consumer. */
  close(): Promise<void>;
}

export interface ConnectionStateChange {
  readonly state: 'disconnected' | 'reconnected' | 'failed';
  readonly error?: Error;
}

export interface PublishOptions {
  /** Ask the broker to say when no queue matched (`unroutable`) instead of dropping the message. */
  readonly mandatory?: boolean;
}

/**
 * The broker, as the runtime and the client need it. Two implementations honour the same
 * contract: `AmqpTransport` (RabbitMQ through amqplib, the only module that imports it) and
 * `MemoryTransport` (the embedded in-process broker).
 */
export interface Transport {
  /** Where it is connected, with any password removed: safe to log. */
  readonly description: string;

  /** Declares exchanges, queues and bindings. Safe to repeat; conflicting arguments reject with TopologyMismatchError. */
  declare(topology: Topology): Promise<void>;

  /** Removes a binding this transport did not declare (one left by another runtime). Removing one that is not there is not an error. */
  unbind(binding: BindingDeclaration): Promise<void>;

  /**
   * Publishes and resolves once the broker has taken responsibility for the message
   * (publisher confirm). With `mandatory`, resolves `unroutable` when no queue matched.
   */
  publish(exchange: string, routingKey: string, body: Buffer, properties: MessageProperties, options?: PublishOptions): Promise<PublishOutcome>;

  /** Consumes with manual acknowledgement; at most `prefetch` deliveries are unacknowledged at once. */
  consume(queue: string, prefetch: number, onDelivery: (delivery: Delivery) => void): Promise<Subscription>;

  /**
   * Consumes a single-active-consumer queue on its own transactional channel: the broker gives
   * its messages to one consumer at a time, and to the next when that one goes. `onLost` is
   * called once if the channel closes under it (the tokens held are void then); open it again.
   */
  consumeLease(queue: string, onToken: (token: LeaseToken) => void, onLost: (error: Error | undefined) => void): Promise<LeaseChannel>;

  /**
   * Opens this connection's reply address (RabbitMQ's direct reply-to) and returns it for `replyTo`.
   * Replies are delivered without acknowledgement. One per transport.
   */
  openReplyQueue(onReply: (body: Buffer, properties: MessageProperties) => void): Promise<string>;

  /**
   * Sends a reply to a `replyTo` address. Best effort: a caller that left is not an error. Given
   * the delivery it answers, a transport may send it on that delivery's channel, so that the reply
   * and the delivery's ack reach the broker together.
   */
  reply(replyTo: string, body: Buffer, properties: MessageProperties, answering?: Delivery): Promise<void>;

  /**
   * Connection state changes: `disconnected` (recovery has begun; nothing unacknowledged is lost,
   * the broker redelivers it), `reconnected` (topology declared and consumers back), and `failed`
   * (recovery gave up; the transport is dead). Never called after `close`.
   */
  onStateChange(listener: (change: ConnectionStateChange) => void): void;

  /** Ready messages and consumers of a queue, or `undefined` when it does not exist. */
  queueInfo(queue: string): Promise<QueueInfo | undefined>;

  /** Reads a queue one message at a time without consuming it: for tools that browse or move messages. */
  browse(queue: string): Promise<QueueBrowser>;

  /** Deletes every ready message of a queue; resolves with how many. */
  purge(queue: string): Promise<number>;

  close(): Promise<void>;
}

export interface QueueInfo {
  /** Ready to deliver (not counting those delivered and unacknowledged). */
  readonly messages: number;
  readonly consumers: number;
}
