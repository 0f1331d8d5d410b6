import type { ResolvedConfig } from '../config/resolved-config';
import type { PoolKind } from '../decorators/task-options';
import type { Logger } from '../logging/logger';
import type { TaskDefinition } from '../registry/task-definition';
import type { QueuePlan } from '../runtime/queue-plan';
import { WatchedIoPool } from '../runtime/watched-io-pool';
import { CpuPool } from './cpu-pool';
import { IoPool } from './io-pool';
import type { JobInstances } from './job-instances';

/** What opening a pool needs. */
export interface PoolContext {
  readonly config: ResolvedConfig;
  /** The plans of this kind's queues. */
  readonly plans: readonly QueuePlan[];
  /** Every task the runtime serves. */
  readonly tasks: readonly TaskDefinition[];
  readonly instances: JobInstances;
  readonly logger: Logger;
  /** Where a task's `currentTask().progress(value)` goes. */
  readonly onProgress: (taskId: string, value: unknown) => void;
}

/** The pool each kind opens. */
export interface PoolOf {
  readonly cpu: CpuPool;
  readonly io: WatchedIoPool;
}

/** One kind of pool: how the banner describes it, the prefetch its queues default to, and how it is opened. */
export interface PoolKindSpec<K extends PoolKind> {
  readonly kind: K;
  describe(config: ResolvedConfig): string;
  /** The prefetch of a queue of this kind that sets no concurrency; `cpuWindow` is what planQueues chose for CPU queues. */
  defaultPrefetch(config: ResolvedConfig, cpuWindow: number): number;
  /** Whether the runtime opens it: the I/O pool always (its event loop is watched for stalls), the CPU pool when a queue needs it. */
  needed(plans: readonly QueuePlan[]): boolean;
  open(context: PoolContext): PoolOf[K];
}

/**
 * Every pool kind, in one place. A kind added to PoolKind does not compile until it has its
 * entry here.
 */
export const POOL_KIND_SPECS: { readonly [K in PoolKind]: PoolKindSpec<K> } = {
  cpu: {
    kind: 'cpu',
    describe: (config) => `cpu: ${config.pools.cpu.threads} worker thread(s)`,
    defaultPrefetch: (_, cpuWindow) => cpuWindow,
    needed: (plans) => plans.length > 0,
    open: ({ config, tasks, logger, onProgress }) => {
      if (config.providers && !config.configFile) logger.warn('providers were given in a config object, not a file: CPU worker threads cannot run them');
      const { threads, maxOldGenerationSizeMb, niceness, schedIdle, maxTasksPerThread, maxHeapMbPerThread } = config.pools.cpu;
      const jobModules = new Map(tasks.filter((task) => task.pool === 'cpu').map((task) => [`${task.modulePath}#${task.exportName}`, { modulePath: task.modulePath, exportName: task.exportName, task: task.name }]));
      return new CpuPool({ threads, configFile: config.configFile, maxOldGenerationSizeMb, niceness, schedIdle, logger, onProgress, maxTasksPerThread, maxHeapMbPerThread, jobModules: [...jobModules.values()] });
    },
  },
  io: {
    kind: 'io',
    describe: (config) => `io: ${config.pools.io.concurrency} in flight per queue (default)`,
    defaultPrefetch: (config) => config.pools.io.concurrency,
    needed: () => true,
    // It runs what its queues' prefetch windows let in: its capacity is their sum.
    open: ({ plans, instances, logger, onProgress }) => new WatchedIoPool(new IoPool(instances, plans.reduce((sum, plan) => sum + plan.prefetch, 0), logger, onProgress)),
  },
};
