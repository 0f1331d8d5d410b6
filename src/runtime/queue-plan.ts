import type { ResolvedConfig } from '../config/resolved-config';
import type { PoolKind } from '../decorators/task-options';
import type { QueueDefinition, TaskDefinition } from '../registry/task-definition';
import { POOL_KIND_SPECS } from '../pools/pool-kinds';
import type { TopologyNames } from '../topology/topology';

/** How one queue is served: which pool, and how many deliveries its consumer may hold. */
export interface QueuePlan {
  readonly queue: QueueDefinition;
  readonly brokerQueue: string;
  readonly deadLetterQueue: string;
  readonly pool: PoolKind;
  /**
   * The consumer's prefetch: an I/O queue takes as many as it can run at once; a CPU queue one
   * more per thread, waiting, so no thread idles between tasks, unless a delivery waiting for a
   * thread could then run into the broker's consumer timeout. No queue hoards beyond that.
   */
  readonly prefetch: number;
  /** The longest hard limit of the queue's tasks; Infinity when one has none. */
  readonly longestHardLimitMs: number;
}

/**
 * A delivery's longest time unacknowledged must stay this far under the consumer timeout: the
 * ack follows the run by a reply, a publish confirm and a round trip, a killed worker thread is
 * replaced before the next task starts, and a busy event loop delays all of it.
 */
export const CONSUMER_TIMEOUT_SAFE_SHARE = 0.8;

/**
 * Pure: config override, then the job class's option, then the pool's default.
 *
 * The CPU pool's threads take deliveries in order, whatever their queue. With a window of W
 * deliveries over T threads, the last one waits ceil((W - T) / T) rounds of at most the longest
 * hard limit, then runs for its own, unacknowledged all along. CPU queues without a concurrency of
 * their own take 2 x threads each (no thread idles between tasks) only while that stays well under
 * the broker's consumer timeout; otherwise they take the threads alone. `tasks` gives the hard
 * limits; without it, every task is taken to have the configured default.
 */
export function planQueues(queues: readonly QueueDefinition[], config: ResolvedConfig, names: TopologyNames, tasks?: readonly TaskDefinition[]): QueuePlan[] {
  const byName = new Map(tasks?.map((task) => [task.name, task]));
  const withCpuDefault = (cpuDefault: number): QueuePlan[] =>
    queues.map((queue) => ({
      queue,
      brokerQueue: names.workQueue(queue.name),
      deadLetterQueue: names.deadLetterQueue(queue.name),
      pool: queue.pool,
      prefetch: config.queues[queue.name]?.concurrency ?? queue.concurrency ?? POOL_KIND_SPECS[queue.pool].defaultPrefetch(config, cpuDefault),
      longestHardLimitMs: longestHardLimit(queue, byName, config),
    }));
  const { threads } = config.pools.cpu;
  const doubled = withCpuDefault(2 * threads);
  return worstUnackedMs(doubled, threads) <= CONSUMER_TIMEOUT_SAFE_SHARE * config.broker.consumerTimeoutMs ? doubled : withCpuDefault(threads);
}

/** How long a CPU delivery may stay unacknowledged under these plans, at most: its wait for a thread, then its run. 0 without CPU queues. */
export function worstUnackedMs(plans: readonly QueuePlan[], threads: number): number {
  const cpu = plans.filter((plan) => plan.pool === 'cpu');
  if (cpu.length === 0) return 0;
  const window = cpu.reduce((sum, plan) => sum + plan.prefetch, 0);
  const rounds = Math.ceil(Math.max(0, window - threads) / threads);
  return (rounds + 1) * Math.max(...cpu.map((plan) => plan.longestHardLimitMs));
}

function longestHardLimit(queue: QueueDefinition, tasks: ReadonlyMap<string, TaskDefinition>, config: ResolvedConfig): number {
  const fallback = config.defaults.hardTimeLimitMs ?? Infinity;
  if (tasks.size === 0) return fallback;
  return Math.max(0, ...queue.tasks.map((name) => (tasks.has(name) ? (tasks.get(name)?.hardTimeLimitMs ?? Infinity) : fallback)));
}

/**
 * Pure: what the start should warn about, one sentence each. A task whose hard limit reaches the
 * consumer timeout has its channel closed by the broker before the limit stops it. CPU queues
 * whose concurrency was set (or that are many) may make a delivery wait for a thread so long that
 * it reaches the timeout before it runs.
 */
export function consumerTimeoutWarnings(plans: readonly QueuePlan[], config: ResolvedConfig, tasks: readonly TaskDefinition[]): string[] {
  const timeoutMs = config.broker.consumerTimeoutMs;
  const warnings: string[] = [];
  for (const task of tasks) {
    const limit = task.hardTimeLimitMs ?? Infinity;
    if (limit < timeoutMs) continue;
    warnings.push(
      `${task.name}: ${task.hardTimeLimitMs === undefined ? 'no hard limit' : `hard limit ${limit} ms`} is at or above the broker's consumer timeout (broker.consumerTimeoutMs ${timeoutMs} ms): ` +
        `a run that long has its channel closed by the broker and runs again. Lower the limit, or raise consumer_timeout on the broker and broker.consumerTimeoutMs with it`,
    );
  }
  const cpu = plans.filter((plan) => plan.pool === 'cpu');
  const { threads } = config.pools.cpu;
  const worstMs = worstUnackedMs(cpu, threads);
  // A run that reaches the timeout by itself is named above; this is about the wait for a thread.
  const longest = Math.max(0, ...cpu.map((plan) => plan.longestHardLimitMs));
  if (worstMs > CONSUMER_TIMEOUT_SAFE_SHARE * timeoutMs && worstMs > longest) {
    warnings.push(
      `CPU queues ${cpu.map((plan) => `${plan.queue.name} (prefetch ${plan.prefetch})`).join(', ')} hold ${cpu.reduce((sum, plan) => sum + plan.prefetch, 0)} deliveries for ${threads} thread(s): ` +
        `one waiting for a thread may stay unacknowledged up to ${Number.isFinite(worstMs) ? `${worstMs} ms` : 'without bound'}, ` +
        `past ${CONSUMER_TIMEOUT_SAFE_SHARE * 100} % of the broker's consumer timeout (${timeoutMs} ms). Lower their concurrency or hard limits, or raise consumer_timeout`,
    );
  }
  return warnings;
}
