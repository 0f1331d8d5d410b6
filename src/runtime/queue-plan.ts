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
  /** The consumer's prefetch: as many as can run at once, so no queue hoards what it cannot run. */
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
      (queue.pool === 'cpu' ? config.pools.cpu.threads : config.pools.io.concurrency),
  }));
}
