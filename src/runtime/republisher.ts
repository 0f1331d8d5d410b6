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
      [HEADERS.deadStack]: (reason.stack ?? '').slice(0, 8_000),
      [HEADERS.deadAttempts]: attempts,
      [HEADERS.deadAt]: now,
      [HEADERS.deadRuntime]: this.runtimeId,
      [HEADERS.deadQueue]: this.names.workQueue(queue),
      [HEADERS.firstFailureAt]: delivery.properties.headers?.[HEADERS.firstFailureAt] ?? now,
    };
    return this.copy(delivery, this.names.deadLetterExchange, queue, headers);
  }

  /** To the delay tier; when its TTL passes RabbitMQ routes it back by its task name. */
  retry(delivery: Delivery, nextAttempt: number, tierMs: number, error: SerializedError): Promise<PublishOutcome> {
    const headers = {
      ...delivery.properties.headers,
      [HEADERS.attempt]: nextAttempt,
      [HEADERS.firstFailureAt]: delivery.properties.headers?.[HEADERS.firstFailureAt] ?? new Date().toISOString(),
      [HEADERS.lastError]: `${error.name}: ${error.message}`.slice(0, 1_000),
      [DELAY_TIER_HEADER]: tierMs,
    };
    return this.copy(delivery, this.names.delayExchange, delivery.routingKey, headers);
  }

  /** Back to the end of its own queue, counting the redelivery (the count survives a crash). */
  requeueCounted(delivery: Delivery, queue: string, redeliveries: number): Promise<PublishOutcome> {
    const headers = { ...delivery.properties.headers, [HEADERS.redeliveries]: redeliveries };
    return this.copy(delivery, '', this.names.workQueue(queue), headers);
  }

  private copy(delivery: Delivery, exchange: string, routingKey: string, headers: Record<string, unknown>): Promise<PublishOutcome> {
    const properties = { ...delivery.properties, headers, persistent: true, messageId: delivery.properties.messageId ?? `warren-${Date.now()}` };
    return this.transport.publish(exchange, routingKey, delivery.body, properties, { mandatory: true });
  }
}
