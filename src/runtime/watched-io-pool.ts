import { performance } from 'node:perf_hooks';
import type { Pool, RunResult, TaskRun } from '../pools/pool';

/** An I/O run as the event-loop stall monitor names it. */
export interface IoRunSeen {
  readonly task: string;
  readonly taskId: string;
  readonly attempt: number;
  /** performance.now() when it was handed to the pool. */
  readonly startedAt: number;
}

/** Ended runs kept between two looks; past that, only how many more there were. */
const MAX_ENDED = 1_000;

/**
 * The I/O pool, and which of its runs were in flight lately. I/O tasks run on the main thread:
 * when the event loop stalls, one of them is the likely cause, and the run that blocked has often
 * ended by the time a timer can notice, so the runs that ended since the last look are kept too.
 */
export class WatchedIoPool implements Pool {
  readonly kind = 'io' as const;
  private readonly running = new Set<IoRunSeen>();
  private ended: IoRunSeen[] = [];
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
    const seen: IoRunSeen = { task: run.definition.name, taskId: run.taskId, attempt: run.attempt, startedAt: performance.now() };
    this.running.add(seen);
    return this.pool.run(run).then((result) => {
      this.running.delete(seen);
      if (this.ended.length < MAX_ENDED) this.ended.push(seen);
      else this.endedUncounted++;
      return result;
    });
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  /**
   * Runs in flight at any moment since the last look (running now, or ended since), started by
   * `before` (performance.now()); forgets those that ended. `more` counts ended runs not kept.
   */
  look(before = Infinity): { runs: IoRunSeen[]; more: number } {
    const runs = [...this.running, ...this.ended].filter((run) => run.startedAt <= before);
    const more = this.endedUncounted;
    this.ended = [];
    this.endedUncounted = 0;
    return { runs, more };
  }
}
