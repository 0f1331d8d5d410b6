import { HEADERS } from '../protocol/headers';
import { positiveInteger } from '../protocol/task-request';
import { DELAY_DIGIT_HEADERS } from '../topology/delay-cascade';
import type { TopologyNames } from '../topology/topology';
import type { Delivery, Transport } from '../transport/transport';
import { WarrenError } from '../errors';

export interface QueueSummary {
  readonly queue: string;
  readonly brokerQueue: string;
  /** Ready in the work queue; undefined when the queue does not exist yet. */
  readonly messages: number | undefined;
  readonly consumers: number | undefined;
  readonly deadLetters: number | undefined;
}

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
  'x-death',
  'x-first-death-exchange',
  'x-first-death-queue',
  'x-first-death-reason',
];

/** Depths, dead letters, replay and purge: what operators do to queues, for the CLI and the dashboard. */
export class QueueAdmin {
  constructor(
    private readonly transport: Transport,
    private readonly names: TopologyNames,
  ) {}

  /** Whether the work queue `<ns>.<queue>` exists on the broker. */
  async exists(queue: string): Promise<boolean> {
    return (await this.transport.queueInfo(this.names.workQueue(queue))) !== undefined;
  }

  async queues(queues: readonly string[]): Promise<QueueSummary[]> {
    return Promise.all(
      queues.map(async (queue) => {
        const [work, dead] = await Promise.all([this.transport.queueInfo(this.names.workQueue(queue)), this.transport.queueInfo(this.names.deadLetterQueue(queue))]);
        return { queue, brokerQueue: this.names.workQueue(queue), messages: work?.messages, consumers: work?.consumers, deadLetters: dead?.messages };
      }),
    );
  }

  /** Reads up to `limit` dead letters without removing them (each is taken, then put back). */
  async deadLetters(queue: string, limit = 50): Promise<DeadLetterEntry[]> {
    const held: Delivery[] = [];
    try {
      for (let i = 0; i < limit; i++) {
        const delivery = await this.transport.getMessage(this.names.deadLetterQueue(queue));
        if (!delivery) break;
        held.push(delivery);
      }
      return held.map(describeDeadLetter);
    } finally {
      for (const delivery of held) delivery.nack(true);
      // Wait until they are back: whoever counts the queue next must see them.
      if (held.length > 0) await this.transport.queueInfo(this.names.deadLetterQueue(queue)).catch(() => undefined);
    }
  }

  /**
   * Moves dead letters back to their work queue as fresh tasks (attempt 1, history headers
   * removed, nobody waiting for a reply). Each is acknowledged only after the broker confirmed
   * its copy. Stops at the first one that cannot be routed and leaves it in place.
   */
  async replay(queue: string, options: { limit?: number; onProgress?: (done: number) => void } = {}): Promise<number> {
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    let done = 0;
    while (done < limit) {
      const delivery = await this.transport.getMessage(this.names.deadLetterQueue(queue));
      if (!delivery) break;
      const task = delivery.properties.headers?.[HEADERS.task];
      if (typeof task !== 'string') {
        delivery.nack(true);
        throw new WarrenError(`Dead letter ${delivery.properties.messageId ?? '(no id)'} in ${this.names.deadLetterQueue(queue)} has no task name: it cannot be replayed`);
      }
      const headers: Record<string, unknown> = { ...delivery.properties.headers, [HEADERS.attempt]: 1, [HEADERS.publishedAt]: Date.now() };
      for (const key of HISTORY_HEADERS) delete headers[key];
      const { replyTo: _gone, ...properties } = delivery.properties;
      const outcome = await this.transport.publish(this.names.tasksExchange, task, delivery.body, { ...properties, headers, persistent: true }, { mandatory: true });
      if (outcome !== 'routed') {
        delivery.nack(true);
        throw new WarrenError(`No queue is bound to task '${task}' any more: its dead letters stay where they are`);
      }
      delivery.ack();
      done++;
      options.onProgress?.(done);
    }
    return done;
  }

  /** Empties the work queue, or its dead-letter queue. */
  purge(queue: string, which: 'work' | 'dead'): Promise<number> {
    return this.transport.purge(which === 'work' ? this.names.workQueue(queue) : this.names.deadLetterQueue(queue));
  }
}

function describeDeadLetter(delivery: Delivery): DeadLetterEntry {
  const headers = delivery.properties.headers ?? {};
  const text = (key: string) => (headers[key] === undefined ? undefined : String(headers[key]));
  return {
    taskId: delivery.properties.messageId,
    task: text(HEADERS.task),
    errorName: text(HEADERS.deadErrorName),
    reason: text(HEADERS.deadReason),
    stack: text(HEADERS.deadStack),
    attempts: positiveInteger(headers[HEADERS.deadAttempts]) ?? (headers[HEADERS.deadAttempts] === 0 ? 0 : undefined),
    firstFailureAt: text(HEADERS.firstFailureAt),
    deadAt: text(HEADERS.deadAt),
    runtime: text(HEADERS.deadRuntime),
    body: delivery.body.subarray(0, 4096).toString('utf8'),
    bytes: delivery.body.length,
  };
}
