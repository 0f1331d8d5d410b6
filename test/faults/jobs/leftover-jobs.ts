import { setTimeout as delay } from 'node:timers/promises';
import { threadId } from 'node:worker_threads';
import { currentTask, Task, TaskMethod } from '../../../src';
import { record } from './record';

/** CPU tasks that leave a promise rejection nobody handles (the leftover-rejection scenario). */
@Task({ queue: 'fault-cpu', pool: 'cpu', hardTimeLimitMs: 30_000 })
export class FaultLeftover {
  /** Completes, and leaves a rejection that surfaces `ms` later, after it ended. */
  leakLater(ms: number): number {
    record('done');
    setTimeout(() => void Promise.reject(new Error('left behind by FaultLeftover.leakLater')), ms);
    return threadId;
  }

  /** An innocent task that yields while it works, as most real ones do: what was left surfaces during it. */
  async innocent(ms: number): Promise<number> {
    await delay(ms);
    record('done');
    return threadId;
  }

  /** Leaves a rejection while it runs: this task, and no other, should fail for it. */
  leakNow(): number {
    record('run');
    void Promise.reject(new Error('left behind by FaultLeftover.leakNow'));
    return threadId;
  }
}

/** I/O tasks that run past their hard limit (the io-overrun scenario); the queue's concurrency is 32. */
@Task({ queue: 'fault-io', pool: 'io' })
export class FaultOverrun {
  /** Writes every `everyMs` until `writes` are done or its signal fires, as a careful task would. */
  @TaskMethod({ hardTimeLimitMs: 300 })
  async careful(writes: number, everyMs: number): Promise<void> {
    const { signal } = currentTask();
    record('run', 'start');
    for (let i = 0; i < writes && !signal.aborted; i++) {
      await delay(everyMs);
      if (!signal.aborted) record('run', 'write');
    }
    record('run', `end ${signal.aborted ? String((signal.reason as Error).name) : 'not aborted'}`);
  }

  /** Ignores its signal and runs `ms`: only its settling frees its place in the queue. */
  @TaskMethod({ hardTimeLimitMs: 300 })
  async stubborn(ms: number): Promise<void> {
    record('run', 'start');
    await delay(ms);
    record('run', 'end');
  }
}
