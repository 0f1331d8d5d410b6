import type { Logger } from 'pino';
import { describe } from '../errors';
import type { ResultStore } from '../results/result-store';
import type { QueueConsumer } from './queue-consumer';

/**
 * Keeps the runtime honest about its result store. While the store is unreachable, the queues
 * whose outcomes are stored are not consumed: a task taken then would run with nowhere to put its
 * result (those already running hold their messages until their rows are written). It asks the
 * store every second until it answers, then consumes again. It also deletes expired rows.
 */
export class ResultStoreWatch {
  private isPaused = false;
  private stopped = false;
  private checker: NodeJS.Timeout | undefined;
  private expiry: NodeJS.Timeout | undefined;
  private changes: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: ResultStore,
    private readonly consumers: readonly QueueConsumer[],
    /** The broker queues of those consumers, for logs and /readyz. */
    readonly queues: readonly string[],
    private readonly logger: Logger,
    private readonly retentionMs: number,
  ) {}

  get paused(): boolean {
    return this.isPaused;
  }

  start(): void {
    this.store.onHealthChange((healthy, error) => {
      this.changes = this.changes.then(() => (healthy ? this.resume() : this.pause(error)));
    });
    // A quarter of the retention, at most every 10 minutes: rows outlive their retention by that much at most.
    const every = Math.max(1_000, Math.min(this.retentionMs / 4, 600_000));
    this.expiry = setInterval(() => void this.expire(), every).unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.checker);
    clearInterval(this.expiry);
  }

  private async pause(error: Error | undefined): Promise<void> {
    if (this.isPaused || this.stopped) return;
    this.isPaused = true;
    if (this.queues.length > 0) {
      this.logger.error(
        { err: error, queues: this.queues, store: this.store.description },
        `result store unreachable (${describe(error)}): not taking work from ${this.queues.join(', ')} until it is back; tasks running now hold their messages until their outcomes are written`,
      );
    }
    await Promise.all(this.consumers.map((consumer) => consumer.stopConsuming()));
    this.checker = setInterval(() => void this.store.check(), 1_000);
  }

  private async resume(): Promise<void> {
    if (!this.isPaused || this.stopped) return;
    clearInterval(this.checker);
    this.checker = undefined;
    for (const consumer of this.consumers) {
      try {
        await consumer.start();
      } catch (error) {
        // The broker is away too: its recovery consumes again once it is back.
        this.logger.warn({ err: error }, `consuming again after the result store came back failed: ${describe(error)}`);
      }
    }
    this.isPaused = false;
    if (this.queues.length > 0) this.logger.info({ queues: this.queues }, `result store reachable again: taking work from ${this.queues.join(', ')}`);
  }

  private async expire(): Promise<void> {
    try {
      const removed = await this.store.expire();
      if (removed > 0) this.logger.info({ removed, retentionMs: this.retentionMs }, `result store: deleted ${removed} finished task(s) past their retention`);
    } catch (error) {
      this.logger.warn({ err: error }, `result store: expiring old rows failed: ${describe(error)}`);
    }
  }
}
