/**
 * Coalesces writes: what arrives while a batch is on its way goes in the next one, so a store
 * round trip serves every task that finished meanwhile. `add` resolves when its batch is written;
 * a failed batch is tried again, with what arrived since, until it is written or the batcher is closed.
 */
export class WriteBatcher<K, T> {
  private pending = new Map<K, { item: T; done: Array<(error?: Error) => void> }>();
  private writing = 0;
  private failing = false;
  private closedWith: Error | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;

  constructor(
    private readonly options: {
      readonly keyOf: (item: T) => K;
      /** Of two pending items for one key, the one to write. */
      readonly merge: (incoming: T, pending: T) => T;
      readonly write: (items: T[]) => Promise<void>;
      readonly maxBatch: number;
      /** Batches on their way at once, while writes succeed; one while they fail. */
      readonly maxWriting: number;
      readonly retryDelayMs: (failures: number) => number;
      readonly onFailure: (error: Error, failures: number) => void;
      readonly onSuccess: () => void;
    },
  ) {}

  add(item: T): Promise<void> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise((resolve, reject) => {
      const key = this.options.keyOf(item);
      const done = (error?: Error): void => (error ? reject(error) : resolve());
      const queued = this.pending.get(key);
      if (queued) {
        queued.item = this.options.merge(item, queued.item);
        queued.done.push(done);
      } else {
        this.pending.set(key, { item, done: [done] });
      }
      this.pump();
    });
  }

  /** Items waiting for a batch. */
  get size(): number {
    return this.pending.size;
  }

  /** Fails what waits with `error`, and writes nothing more. */
  close(error: Error): void {
    this.closedWith = error;
    clearTimeout(this.retryTimer);
    for (const { done } of this.pending.values()) for (const settle of done) settle(error);
    this.pending.clear();
  }

  private pump(): void {
    const limit = this.failing ? 1 : this.options.maxWriting;
    while (this.pending.size > 0 && this.writing < limit && this.retryTimer === undefined && !this.closedWith) void this.writeBatch();
  }

  private async writeBatch(): Promise<void> {
    const batch: Array<{ item: T; done: Array<(error?: Error) => void> }> = [];
    for (const [key, entry] of this.pending) {
      this.pending.delete(key);
      batch.push(entry);
      if (batch.length >= this.options.maxBatch) break;
    }
    this.writing++;
    try {
      await this.options.write(batch.map((entry) => entry.item));
      this.writing--;
      if (this.failing || this.failures > 0) this.options.onSuccess();
      this.failing = false;
      this.failures = 0;
      for (const entry of batch) for (const settle of entry.done) settle();
    } catch (error) {
      this.writing--;
      this.failing = true;
      this.failures++;
      this.options.onFailure(error as Error, this.failures);
      // Back in line, merged with what arrived for the same keys meanwhile.
      for (const entry of batch) {
        const key = this.options.keyOf(entry.item);
        const newer = this.pending.get(key);
        if (newer) {
          newer.item = this.options.merge(newer.item, entry.item);
          newer.done.push(...entry.done);
        } else {
          this.pending.set(key, entry);
        }
      }
      if (this.closedWith) return this.close(this.closedWith);
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.pump();
      }, this.options.retryDelayMs(this.failures));
      return;
    }
    this.pump();
  }
}
