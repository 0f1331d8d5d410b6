import { HEADERS } from '../protocol/headers';
import { positiveInteger } from '../protocol/task-request';
import { DELAY_DIGIT_HEADERS } from '../topology/delay-cascade';
import type { Delivery, MessageProperties } from '../transport/transport';

/** One dead-letter entry, as a person wants to read it. */
export interface DeadLetterEntry {
  readonly taskId: string | undefined;
  readonly task: string | undefined;
  readonly errorName: string | undefined;
  readonly reason: string | undefined;
  readonly stack: string | undefined;
  readonly attempts: number | undefined;
  readonly firstFailureAt: string | undefined;
  readonly deadAt: string | undefined;
  readonly runtime: string | undefined;
  /** The body as text (arguments as JSON for Warren messages), cut at 4 KiB. */
  readonly body: string;
  readonly bytes: number;
}

/** Headers that describe a past life of the message; a replay starts it afresh. */
const HISTORY_HEADERS = [
  HEADERS.deadReason,
  HEADERS.deadErrorName,
  HEADERS.deadStack,
  HEADERS.deadAttempts,
  HEADERS.deadAt,
  HEADERS.deadRuntime,
  HEADERS.deadQueue,
  HEADERS.firstFailureAt,
  HEADERS.lastError,
  HEADERS.redeliveries,
  HEADERS.dueAt,
  ...DELAY_DIGIT_HEADERS,
  'x-delivery-count',
  'x-death',
  'x-first-death-exchange',
  'x-first-death-queue',
  'x-first-death-reason',
];

/** The message a replay publishes: a fresh task (attempt 1, history headers removed, nobody waiting for a reply). */
export function replayCopy(delivery: Delivery): MessageProperties {
  const headers: Record<string, unknown> = { ...delivery.properties.headers, [HEADERS.attempt]: 1, [HEADERS.publishedAt]: Date.now() };
  for (const key of HISTORY_HEADERS) delete headers[key];
  const { replyTo: _gone, ...properties } = delivery.properties;
  return { ...properties, headers, persistent: true };
}

export function describeDeadLetter(delivery: Delivery): DeadLetterEntry {
  const headers = delivery.properties.headers ?? {};
  const text = (key: string) => (headers[key] === undefined ? undefined : String(headers[key]));
  return {
    taskId: delivery.properties.messageId,
    task: text(HEADERS.task),
    errorName: text(HEADERS.deadErrorName) ?? (text('x-first-death-reason') === 'delivery_limit' ? 'RedeliveryLimitError' : undefined),
    reason: text(HEADERS.deadReason) ?? brokerReason(text('x-first-death-reason')),
    stack: text(HEADERS.deadStack),
    attempts: positiveInteger(headers[HEADERS.deadAttempts]) ?? (headers[HEADERS.deadAttempts] === 0 ? 0 : undefined),
    firstFailureAt: text(HEADERS.firstFailureAt),
    deadAt: text(HEADERS.deadAt),
    runtime: text(HEADERS.deadRuntime),
    body: delivery.body.subarray(0, 4096).toString('utf8'),
    bytes: delivery.body.length,
  };
}

/** Why a quorum queue itself dead-lettered a message that no runtime gave a reason for (`x-first-death-reason`). */
function brokerReason(reason: string | undefined): string | undefined {
  if (reason !== 'delivery_limit') return undefined;
  return "RabbitMQ dead-lettered it: delivered more times than the quorum queue's x-delivery-limit without being acknowledged (a task that crashes its runtime does this)";
}
