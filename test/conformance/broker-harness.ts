import type { QueueType } from '../../src/topology/queue-types';
import type { MessageProperties } from '../../src/transport/transport';

/** A dead-letter entry as read back from the broker. */
export interface DeadLetter {
  readonly body: string;
  readonly headers: Record<string, unknown>;
}

/** What the conformance suite needs from each broker, read and written without Warren's client. */
export interface BrokerHarness {
  readonly name: string;
  /** A broker URL (several for a cluster); each test also uses its own namespace. */
  readonly url: string;
  /** The queue type every runtime of the suite declares; default the config's (classic). */
  readonly queueType?: QueueType;
  /** Puts a message straight onto a queue (default exchange), as a foreign or broken publisher would. */
  publishRaw(queue: string, body: Buffer, properties: MessageProperties): Promise<void>;
  /**
   * Puts a message on a queue and has a consumer die holding it, so the broker delivers it next
   * with `redelivered` set: what a runtime crash leaves behind.
   */
  publishAbandoned(queue: string, body: Buffer, properties: MessageProperties): Promise<void>;
  /** Takes `count` messages off a queue, waiting for them to arrive. */
  takeMessages(queue: string, count: number): Promise<DeadLetter[]>;
  close(): Promise<void>;
}
