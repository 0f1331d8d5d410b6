import { HEADERS } from '../protocol/headers';
import type { SerializedError } from '../protocol/serialized-error';
import { cascadeEntry, DELAY_DIGIT_HEADERS } from '../topology/delay-cascade';
import type { TopologyNames } from '../topology/topology';
import type { Delivery, PublishOutcome, Transport } from '../transport/transport';

/**
 * Publishes copies of a delivered message: to its dead-letter queue with the reason, through the
 * delay cascade (a retry, a task not yet due), or back to its own queue with a delivery count. Each copy is confirmed by the
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
   * Through the delay cascade, for another attempt at `dueAt`; it comes back by its task name
   * (not by the key it came with: another client may have sent it straight to the queue).
   */
  retry(delivery: Delivery, task: string, nextAttempt: number, dueAt: number, error: SerializedError): Promise<PublishOutcome> {
    const headers = {
      ...delivery.properties.headers,
      [HEADERS.attempt]: nextAttempt,
      [HEADERS.firstFailureAt]: delivery.properties.headers?.[HEADERS.firstFailureAt] ?? new Date().toISOString(),
      [HEADERS.lastError]: `${error.name}: ${error.message}`.slice(0, 1_000),
    };
    return this.delay(delivery, task, dueAt, headers);
  }

  /** Through the delay cascade until `dueAt`, as it is: a task called with a countdown or an ETA. */
  schedule(delivery: Delivery, task: string, dueAt: number): Promise<PublishOutcome> {
    return this.delay(delivery, task, dueAt, delivery.properties.headers ?? {});
  }

  /**
   * Back to its queue by its task name, counting the redelivery (the count survives a crash).
   * After a short wait, not straight back: the acknowledgement of the original leaves the
   * process a moment after the copy is confirmed, and a copy that ran (and crashed the runtime)
   * before then would leave both behind, doubling the message at every crash.
   */
  requeueCounted(delivery: Delivery, task: string, redeliveries: number, waitMs: number): Promise<PublishOutcome> {
    const headers = { ...delivery.properties.headers, [HEADERS.redeliveries]: redeliveries };
    return this.delay(delivery, task, Date.now() + waitMs, headers);
  }

  /** Back to its queue after a wait, by its task name, for another runtime that defines it: counted, with when this began. */
  handBack(delivery: Delivery, task: string, since: number, handBacks: number, waitMs: number): Promise<PublishOutcome> {
    const headers = { ...delivery.properties.headers, [HEADERS.handedBackSince]: since, [HEADERS.handBacks]: handBacks };
    return this.delay(delivery, task, Date.now() + waitMs, headers);
  }

  /** Straight to a work queue by the default exchange, as it is: for a task that moved there from the queue it came to. */
  forward(delivery: Delivery, queue: string): Promise<PublishOutcome> {
    return this.copy(delivery, '', this.names.workQueue(queue), delivery.properties.headers ?? {});
  }

  /**
   * Into the cascade at the level of the wait's highest binary digit, carrying its digits and its
   * due time; with no wait left, straight to the tasks exchange. The broker's x-death entries
   * from an earlier walk are dropped: one per level, they would only grow the message.
   */
  private delay(delivery: Delivery, task: string, dueAt: number, headers: Readonly<Record<string, unknown>>): Promise<PublishOutcome> {
    const walked: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(headers)) if (!CASCADE_HISTORY.has(key)) walked[key] = value;
    walked[HEADERS.dueAt] = dueAt;
    const entry = cascadeEntry(dueAt - Date.now());
    if (!entry) return this.copy(delivery, this.names.tasksExchange, task, walked);
    return this.copy(delivery, this.names.delayLevelExchange(entry.level), task, Object.assign(walked, entry.headers));
  }

  private copy(delivery: Delivery, exchange: string, routingKey: string, headers: Readonly<Record<string, unknown>>): Promise<PublishOutcome> {
    const properties = { ...delivery.properties, headers: bounded(headers), persistent: true, messageId: delivery.properties.messageId ?? `warren-${Date.now()}` };
    return this.transport.publish(exchange, routingKey, delivery.body, properties, { mandatory: true });
  }
}

/**
 * What a walk through the cascade leaves on a message: its digits, and the broker's record of each
 * level it expired from; and a quorum queue's delivery count, which a fresh copy starts again.
 */
const CASCADE_HISTORY = new Set([...DELAY_DIGIT_HEADERS, 'x-delivery-count', 'x-death', 'x-first-death-exchange', 'x-first-death-queue', 'x-first-death-reason', 'x-last-death-exchange', 'x-last-death-queue', 'x-last-death-reason']);

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
