import type { Transport } from './transport';

/**
 * A transport whose broker can block its publishes: RabbitMQ under a memory or disk alarm sends
 * `connection.blocked` with a reason ("low on memory"), then `connection.unblocked`. The memory
 * transport never blocks.
 */
export interface BlockingSource {
  /** The broker's reason while it blocks this connection's publishes; undefined otherwise. */
  readonly blockedBy: string | undefined;
}

/** Why the broker blocks this transport's publishes now, or undefined (never, for a transport that cannot be blocked). */
export function blockedReason(transport: Transport): string | undefined {
  return (transport as Partial<BlockingSource>).blockedBy;
}
