import type { ResultStore, StoredTask } from '../results/result-store';

interface Waiter {
  readonly resolve: (row: StoredTask | undefined) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Waits for tasks to finish by reading the store: every waiting id in one query per round
 * (1,000 callers waiting cost one read), every `intervalMs` while anyone waits. A read that fails
 * (the store restarting) is tried again in the next round; the waiter's timeout still counts.
 */
export class ResultWaiter {
  private readonly waiting = new Map<string, Waiter[]>();
  private polling = false;

  constructor(
    private readonly store: () => Promise<ResultStore>,
    private readonly intervalMs = 100,
    private readonly onReadError: (error: unknown) => void = () => {},
  ) {}

  /** The task's final row, or undefined when `timeoutMs` passed first. */
  wait(taskId: string, timeoutMs: number): Promise<StoredTask | undefined> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        resolve,
        timer: setTimeout(() => {
          this.remove(taskId, waiter);
          resolve(undefined);
        }, timeoutMs),
      };
      const list = this.waiting.get(taskId);
      if (list) list.push(waiter);
      else this.waiting.set(taskId, [waiter]);
      if (!this.polling) void this.poll();
    });
  }

  /** Stops waiting: every waiter resolves as timed out. */
  close(): void {
    for (const [taskId, list] of this.waiting) for (const waiter of [...list]) this.settle(taskId, waiter, undefined);
  }

  private async poll(): Promise<void> {
    this.polling = true;
    try {
      while (this.waiting.size > 0) {
        const ids = [...this.waiting.keys()];
        for (let i = 0; i < ids.length; i += 1_000) {
          try {
            const rows = await (await this.store()).getFinished(ids.slice(i, i + 1_000));
            for (const row of rows) for (const waiter of [...(this.waiting.get(row.taskId) ?? [])]) this.settle(row.taskId, waiter, row);
          } catch (error) {
            this.onReadError(error);
          }
        }
        if (this.waiting.size > 0) await new Promise((resolve) => setTimeout(resolve, this.intervalMs));
      }
    } finally {
      this.polling = false;
    }
  }

  private settle(taskId: string, waiter: Waiter, row: StoredTask | undefined): void {
    clearTimeout(waiter.timer);
    this.remove(taskId, waiter);
    waiter.resolve(row);
  }

  private remove(taskId: string, waiter: Waiter): void {
    const list = this.waiting.get(taskId);
    if (!list) return;
    const at = list.indexOf(waiter);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) this.waiting.delete(taskId);
  }
}
