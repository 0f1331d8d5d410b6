import type { Transport } from './transport';

/**
 * A consumer the broker took away while the connection lived (its channel closed, e.g. by
 * `consumer_timeout`; a `basic.cancel`, e.g. its queue deleted), and its return. `restoreFailed`:
 * one attempt to bring it back failed; another follows after a backoff.
 */
export interface ConsumerStateChange {
  readonly queue: string;
  readonly state: 'lost' | 'restoreFailed' | 'restored';
  readonly error?: Error;
  /** Times this queue's consumer has been restored since the transport opened. */
  readonly restarts: number;
}

/** A transport whose consumers can be lost and restored on their own (RabbitMQ's); the memory transport never loses one. */
export interface ConsumerStateSource {
  onConsumerChange(listener: (change: ConsumerStateChange) => void): void;
}

export function reportsConsumerState(transport: Transport): transport is Transport & ConsumerStateSource {
  return typeof (transport as Partial<ConsumerStateSource>).onConsumerChange === 'function';
}

/** Restore attempts of one consumer or channel: 100 ms doubling to 5 s, so a broker that keeps refusing is never a hot loop. */
export function restoreDelayMs(attempt: number): number {
  return Math.min(5_000, 100 * 2 ** Math.min(attempt, 16));
}
