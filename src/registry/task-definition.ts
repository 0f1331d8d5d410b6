import type { JobClass } from '../decorators/task';
import type { PoolKind } from '../decorators/task-options';
import type { ResolvedRetryPolicy, RetryPolicy } from '../policy/retry-policy';
import type { StandardSchemaV1 } from '../validation/standard-schema';

/** One task: a method of a job class, with where it lives so a worker thread can load it too. */
export interface TaskDefinition {
  /** `<Class or name option>.<method>`: the routing key and the header that dispatches it. */
  readonly name: string;
  readonly method: string;
  readonly className: string;
  /** The module export that holds the class, for worker threads that load the module themselves. */
  readonly exportName: string;
  readonly modulePath: string;
  readonly queue: string;
  readonly pool: PoolKind;
  readonly concurrency?: number;
  readonly softTimeLimitMs: number | undefined;
  readonly hardTimeLimitMs: number | undefined;
  /** Config defaults, then the class's policy, then the method's. */
  readonly retry: ResolvedRetryPolicy;
  readonly argsSchema: StandardSchemaV1 | undefined;
  /** Whether its outcome goes to the result store, when there is one. */
  readonly storeResult: boolean;
  readonly jobClass: JobClass;
}

/** What the config sets for every task unless its class or method says otherwise. */
export interface RunDefaults {
  readonly softTimeLimitMs?: number;
  readonly hardTimeLimitMs?: number;
  readonly retry?: Omit<RetryPolicy, 'retryOn'>;
  readonly storeResult?: boolean;
}

/** A queue and the tasks it serves; several tasks share a queue and are dispatched by name. */
export interface QueueDefinition {
  readonly name: string;
  readonly pool: PoolKind;
  /** Set when a job class asked for it; the config's per-queue override wins over it. */
  readonly concurrency?: number;
  readonly tasks: readonly string[];
}
