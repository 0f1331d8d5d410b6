import { ReplayInterruptedError, TransportError, UnencodableMessageError, describe } from '../errors';
import { HEADERS } from '../protocol/headers';
import type { TopologyNames } from '../topology/topology';
import type { Delivery, QueueBrowser, Transport } from '../transport/transport';
import { describeDeadLetter, replayCopy, type DeadLetterEntry } from './dead-letter-entry';
import { matchesDeadLetter, type DeadLetterFilter } from './dead-letter-filter';
import { newestFirstWindow } from './dead-letter-page';
import { ReplayTally, type ReplaySummary } from './replay-summary';

export type { DeadLetterEntry } from './dead-letter-entry';

export interface QueueSummary {
  readonly queue: string;
  readonly brokerQueue: string;
  /** Ready in the work queue; undefined when the queue does not exist yet. */
  readonly messages: number | undefined;
  readonly consumers: number | undefined;
  readonly deadLetters: number | undefined;
}

/** One page of dead letters, newest first. */
export interface DeadLetterPage {
  /** Dead letters in the queue when the read began. */
  readonly total: number;
  readonly offset: number;
  readonly entries: DeadLetterEntry[];
}

export interface ReplayOptions {
  /** Only these; the others stay where they are. */
  readonly filter?: DeadLetterFilter;
  /** At most this many replayed. */
  readonly limit?: number;
  readonly onProgress?: (progress: { replayed: number; skipped: number; read: number; total: number }) => void;
}

/**
 * Depths, dead letters, replay and purge: what operators do to queues, for the CLI and the dashboard.
 *
 * Dead letters are read through a QueueBrowser: each taken is held unacknowledged on one channel
 * until the read ends, then all go back at once, in their order. Only the messages there when an
 * action began are read (counted first), so dead letters arriving meanwhile (a replayed task that
 * fails again) are not read twice, and a process that dies mid-way loses and reorders nothing.
 */
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

  /**
   * A page of dead letters, newest first, without removing any: `offset` skips that many of the
   * newest. The queue is read from its oldest end up to the page, keeping only the page's entries.
   */
  async deadLetters(queue: string, page: { offset?: number; limit?: number } = {}): Promise<DeadLetterPage> {
    const offset = page.offset ?? 0;
    const entries: DeadLetterEntry[] = [];
    let window = newestFirstWindow(0, 0, 0);
    const total = await this.scan(
      queue,
      async (delivery, position) => {
        if (position >= window.from) entries.push(describeDeadLetter(delivery));
        return true;
      },
      (present) => (window = newestFirstWindow(present, offset, page.limit ?? 50)).to,
    );
    return { total, offset, entries: entries.reverse() };
  }

  /** The dead letter with this task id (the oldest, should there be two), wherever it is in the queue. */
  async deadLetter(queue: string, taskId: string): Promise<DeadLetterEntry | undefined> {
    let found: DeadLetterEntry | undefined;
    await this.scan(queue, async (delivery) => {
      if (delivery.properties.messageId !== taskId) return true;
      found = describeDeadLetter(delivery);
      return false;
    });
    return found;
  }

  /** Deletes the dead letter with this task id; false when there is none. */
  async deleteDeadLetter(queue: string, taskId: string): Promise<boolean> {
    let deleted = false;
    await this.scan(queue, async (delivery) => {
      if (delivery.properties.messageId !== taskId) return true;
      delivery.ack();
      deleted = true;
      return false;
    });
    return deleted;
  }

  /**
   * Moves the dead letters that match back to their work queue as fresh tasks, each acknowledged
   * only after the broker confirmed its copy. One that cannot be replayed (no task name, no queue
   * bound to its task any more, not encodable) stays where it is, counted with its reason, and the
   * replay goes on past it. A failure of the broker itself stops it: ReplayInterruptedError.
   */
  async replay(queue: string, options: ReplayOptions = {}): Promise<ReplaySummary> {
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    const tally = new ReplayTally();
    let failure: unknown;
    try {
      await this.scan(queue, async (delivery, position, present) => {
        const entry = describeDeadLetter(delivery);
        if (matchesDeadLetter(entry, options.filter ?? {})) {
          const refused = await this.replayOne(delivery);
          if (refused === undefined) tally.replayed++;
          else tally.skip(entry.taskId, refused);
        }
        options.onProgress?.({ replayed: tally.replayed, skipped: tally.skipped, read: position + 1, total: present });
        return tally.replayed < limit;
      });
    } catch (error) {
      failure = error;
    }
    const remaining = (await this.transport.queueInfo(this.names.deadLetterQueue(queue)).catch(() => undefined))?.messages;
    if (failure !== undefined) throw new ReplayInterruptedError(tally.summary(remaining, describe(failure)), { cause: failure });
    return tally.summary(remaining);
  }

  /** Empties the work queue, or its dead-letter queue. */
  purge(queue: string, which: 'work' | 'dead'): Promise<number> {
    return this.transport.purge(which === 'work' ? this.names.workQueue(queue) : this.names.deadLetterQueue(queue));
  }

  /** Publishes the fresh copy and acknowledges the dead letter; or says why it cannot, leaving it held (put back on close). */
  private async replayOne(delivery: Delivery): Promise<string | undefined> {
    const task = delivery.properties.headers?.[HEADERS.task];
    if (typeof task !== 'string' || task === '') return 'no task name (x-warren-task header): nothing to route it by';
    const properties = replayCopy(delivery);
    if (!properties.messageId) return 'no message id: a mandatory publish cannot be matched to its return';
    let outcome;
    try {
      outcome = await this.transport.publish(this.names.tasksExchange, task, delivery.body, properties, { mandatory: true });
    } catch (error) {
      if (error instanceof UnencodableMessageError) return describe(error);
      throw error;
    }
    if (outcome !== 'routed') return `no queue is bound to task '${task}' any more`;
    delivery.ack();
    return undefined;
  }

  /**
   * Reads the dead letters there now, oldest first (at most `readAtMost` of them), until `visit`
   * says stop; then puts back all it did not acknowledge, in order. Resolves with how many there were.
   */
  private async scan(queue: string, visit: (delivery: Delivery, position: number, present: number) => Promise<boolean>, readAtMost = (present: number) => present): Promise<number> {
    const name = this.names.deadLetterQueue(queue);
    const info = await this.transport.queueInfo(name);
    if (!info) throw new TransportError(`Queue '${name}' does not exist`);
    const present = info.messages;
    const end = Math.min(present, readAtMost(present));
    if (end <= 0) return present;
    const browser: QueueBrowser = await this.transport.browse(name);
    try {
      for (let position = 0; position < end; position++) {
        const delivery = await browser.next();
        if (!delivery || !(await visit(delivery, position, present))) break;
      }
    } finally {
      await browser.close();
    }
    return present;
  }
}
