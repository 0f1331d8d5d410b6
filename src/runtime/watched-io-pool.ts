import { performance } from 'node:perf_hooks';
import type { Pool, RunResult, TaskRun } from '../pools/pool';

/** An I/O run as the event-loop stall monitor names it. */
export interface IoRunSeen {
  readonly task: string;
  readonly taskId: string;
  readonly attempt: number;
  /** performance.now() when it was handed to the pool. */
  readonly startedAt: number;
  /** performance.now() when it settled; undefined while running. */
  readonly endedAt: number | undefined;
}

type Run = { -readonly [K in keyof IoRunSeen]: IoRunSeen[K] };

/** Ended runs kept between two looks; past that, only how many more there were. */
const MAX_ENDED = 1_000;

/**
 * The I/O pool, and which of its runs were in flight lately. I/O tasks run on the main thread:
 * when the event loop stalls, one of them is the likely cause, and the run that blocked has often
 * ended by the time a timer can notice, so the runs that ended since the last look are kept too.
 */
export class WatchedIoPool implements Pool {
  readonly kind = 'io' as const;
  private readonly running = new Set<Run>();
  private ended: Run[] = [];
  private endedUncounted = 0;

  constructor(private readonly pool: Pool) {}

  get capacity(): number {
    return this.pool.capacity;
  }

  get inFlight(): number {
    return this.pool.inFlight;
  }

  get workerRestarts(): number {
    return this.pool.workerRestarts;
  }

  run(run: TaskRun): Promise<RunResult> {
    const seen: Run = { task: run.definition.name, taskId: run.taskId, attempt: run.attempt, startedAt: performance.now(), endedAt: undefined };
    this.running.add(seen);
    return this.pool.run(run).then((result) => {
      this.running.delete(seen);
      seen.endedAt = performance.now();
      if (this.ended.length < MAX_ENDED) this.ended.push(seen);
      else this.endedUncounted++;
      return result;
    });
  }

  /** I/O tasks run on the main thread (0), from when the pool took them. */
  where(taskId: string): { startedAt: number; threadId: number } | undefined {
    for (const run of this.running) if (run.taskId === taskId) return { startedAt: performance.timeOrigin + run.startedAt, threadId: 0 };
    return undefined;
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  /**
   * Runs in flight at any moment since the last look (running now, or ended since), started by
   * `startedBy` and not ended before `endedFrom` (performance.now() both); forgets those that
   * ended. `more` counts ended runs not kept.
   */
  look(startedBy = Infinity, endedFrom = -Infinity): { runs: IoRunSeen[]; more: number } {
    const runs = [...this.running, ...this.ended].filter((run) => run.startedAt <= startedBy && (run.endedAt ?? Infinity) >= endedFrom);
    const more = this.endedUncounted;
    this.ended = [];
    this.endedUncounted = 0;
    return { runs, more };
  }
}
