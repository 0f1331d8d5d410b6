import { threadId } from 'node:worker_threads';
import { Task, TaskMethod } from '../../../src';
import { record } from './record';

function spin(ms: number): number {
  const end = Date.now() + ms;
  let n = 0;
  while (Date.now() < end) n++;
  return n;
}

/** CPU-pool fault jobs: short spins, and tasks that hang, run out of memory or exit their worker thread. */
@Task({ queue: 'fault-cpu', pool: 'cpu', hardTimeLimitMs: 30_000 })
export class FaultCpu {
  /** Keeps its worker thread busy for `ms`, then records that it completed. */
  work(ms: number): number {
    spin(ms);
    record('done');
    return threadId;
  }

  /** A busy loop that never yields: only the hard time limit (terminating the thread) ends it. */
  @TaskMethod({ hardTimeLimitMs: 1_000 })
  hang(): never {
    record('run');
    for (;;) spin(1_000);
  }

  /** Allocates until the worker's heap limit (pools.cpu.maxOldGenerationSizeMb) kills the thread. */
  exhaustMemory(): never {
    record('run');
    const hoard: number[][] = [];
    for (;;) hoard.push(new Array<number>(1 << 20).fill(hoard.length));
  }

  /** Ends its worker thread the blunt way. */
  exit(code: number): never {
    record('run');
    process.exit(code);
  }
}
