import type { ResolvedConfig } from '../config/resolved-config';
import type { PoolKind } from '../decorators/task-options';
import type { QueueDefinition } from '../registry/task-definition';
import type { TopologyNames } from '../topology/topology';

/** How one queue is served: which pool, and how many deliveries its consumer may hold. */
export interface QueuePlan {
  readonly queue: QueueDefinition;
  readonly brokerQueue: string;
  readonly deadLetterQueue: string;
  readonly pool: PoolKind;
  /**
   * The consumer's prefetch: an I/O queue takes as many as it can run at once; a CPU queue one
   * more per thread, waiting, so no thread idles between tasks. No queue hoards beyond that.
   */
  readonly prefetch: number;
}

/** Pure: config override, then the job class's option, then the pool's default. */
export function planQueues(queues: readonly QueueDefinition[], config: ResolvedConfig, names: TopologyNames): QueuePlan[] {
  return queues.map((queue) => ({
    queue,
    brokerQueue: names.workQueue(queue.name),
    deadLetterQueue: names.deadLetterQueue(queue.name),
    pool: queue.pool,
    prefetch:
      config.queues[queue.name]?.concurrency ??
      queue.concurrency ??
      // A CPU queue holds one task waiting per thread: a thread that finishes starts the next at
      // once instead of idling for a broker round trip.
      (queue.pool === 'cpu' ? 2 * config.pools.cpu.threads : config.pools.io.concurrency),
  }));
}
