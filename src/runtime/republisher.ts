import { HEADERS } from '../protocol/headers';
import type { SerializedError } from '../protocol/serialized-error';
import { DELAY_TIER_HEADER, type TopologyNames } from '../topology/topology';
import type { Delivery, PublishOutcome, Transport } from '../transport/transport';

/**
 * Publishes copies of a delivered message: to its dead-letter queue with the reason, to a delay
 * tier for a retry, or back to its own queue with a delivery count. Each copy is confirmed by the
 * broker before the original is acknowledged, so a message is never in neither place.
 */
export class Republisher {
  constructor(
    private readonly transport: Transport,
    private readonly names: TopologyNames,
    private readonly runtimeId: string,
  ) {}

  /** To `<ns>.<queue>.dead`, with why, when, where and after how many attempts. */
  deadLetter(delivery: Delivery, queue: string, reason: SerializedError, attempts: number): Promise<PublishOutcome> {
    const now = new Date().toISOString();
    const headers = {
      ...delivery.properties.headers,
      [HEADERS.deadReason]: reason.message,
      [HEADERS.deadErrorName]: reason.name,
      [HEADERS.deadStack]: reason.stack ?? '',
      [HEADERS.deadAttempts]: attempts,
      [HEADERS.deadAt]: now,
      [HEADERS.deadRuntime]: this.runtimeId,
      [HEADERS.deadQueue]: this.names.workQueue(queue),
      [HEADERS.firstFailureAt]: delivery.properties.headers?.[HEADERS.firstFailureAt] ?? now,
    };
    return this.copy(delivery, this.names.deadLetterExchange, queue, headers);
  }

  /**
   * To the delay tier; when its TTL passes RabbitMQ routes it back by its task name (not by the
   * key it came with: another client may have sent it straight to the queue).
   */
  retry(delivery: Delivery, task: string, nextAttempt: number, tierMs: number, error: SerializedError): Promise<PublishOutcome> {
    const headers = {
      ...delivery.properties.headers,
      [HEADERS.attempt]: nextAttempt,
      [HEADERS.firstFailureAt]: delivery.properties.headers?.[HEADERS.firstFailureAt] ?? new Date().toISOString(),
      [HEADERS.lastError]: `${error.name}: ${error.message}`.slice(0, 1_000),
      [DELAY_TIER_HEADER]: tierMs,
    };
    return this.copy(delivery, this.names.delayExchange, task, headers);
  }

  /**
   * Back to its queue by its task name, counting the redelivery (the count survives a crash).
   * Through the shortest delay tier, not straight back: the acknowledgement of the original
   * leaves the process a moment after the copy is confirmed, and a copy that ran (and crashed
   * the runtime) before then would leave both behind, doubling the message at every crash.
   */
  requeueCounted(delivery: Delivery, task: string, redeliveries: number, tierMs: number): Promise<PublishOutcome> {
    const headers = { ...delivery.properties.headers, [HEADERS.redeliveries]: redeliveries, [DELAY_TIER_HEADER]: tierMs };
    return this.copy(delivery, this.names.delayExchange, task, headers);
  }

  /** Back through the shortest delay tier by its task name, for another runtime that defines it: counted, with when this began. */
  handBack(delivery: Delivery, task: string, since: number, handBacks: number, tierMs: number): Promise<PublishOutcome> {
    const headers = { ...delivery.properties.headers, [HEADERS.handedBackSince]: since, [HEADERS.handBacks]: handBacks, [DELAY_TIER_HEADER]: tierMs };
    return this.copy(delivery, this.names.delayExchange, task, headers);
  }

  /** Straight to a work queue by the default exchange, as it is: for a task that moved there from the queue it came to. */
  forward(delivery: Delivery, queue: string): Promise<PublishOutcome> {
    return this.copy(delivery, '', this.names.workQueue(queue), delivery.properties.headers ?? {});
  }

  private copy(delivery: Delivery, exchange: string, routingKey: string, headers: Readonly<Record<string, unknown>>): Promise<PublishOutcome> {
    const properties = { ...delivery.properties, headers: bounded(headers), persistent: true, messageId: delivery.properties.messageId ?? `warren-${Date.now()}` };
    return this.transport.publish(exchange, routingKey, delivery.body, properties, { mandatory: true });
  }
}

/** Long header values are cut so a copy always fits AMQP's 64 KiB header table; the body is untouched. */
const MAX_HEADER_CHARS = 2_000;
const MAX_STACK_CHARS = 8_000;

function bounded(headers: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(headers)) {
    const limit = key === HEADERS.deadStack ? MAX_STACK_CHARS : MAX_HEADER_CHARS;
    result[key] = typeof value === 'string' && value.length > limit ? `${value.slice(0, limit)}… (${value.length} chars)` : value;
  }
  return result;
}
