import type { JobClass } from '../decorators/task';
import { runAsTask, type RunHandle } from '../context/task-context';
import { consumerAttributes } from '../tracing/messaging-attributes';
import { runInTrace } from '../tracing/trace-propagation';
import type { JobInstances } from './job-instances';

export interface Invocation {
  readonly taskId: string;
  readonly task: string;
  readonly attempt: number;
  readonly method: string;
  readonly args: readonly unknown[];
  readonly softTimeLimitMs: number | undefined;
  readonly traceparent: string | undefined;
  /** The broker queue it was consumed from. */
  readonly queue: string;
  /** Lets the pool stop the run from outside (its signal fires). */
  readonly handle?: RunHandle;
  /** Where the run's `currentTask().progress(value)` goes, as JSON text. */
  readonly onProgress?: (encoded: string) => void;
}

/**
 * Calls the task's method on the thread's instance of its job class, inside its task context.
 * Not `async` itself (one promise less per task); callers await it inside their try blocks, so a
 * synchronous throw is handled like a rejection.
 */
export function invokeTask(instances: JobInstances, jobClass: JobClass, invocation: Invocation): Promise<unknown> {
  const instance = instances.get(jobClass) as Record<string, (...a: unknown[]) => unknown>;
  const fn = instance[invocation.method];
  if (typeof fn !== 'function') throw new TypeError(`${jobClass.name}.${invocation.method} is not a method`);
  return runInTrace(invocation.task, invocation.traceparent, () => consumerAttributes(invocation), () => runAsTask(invocation, async () => fn.apply(instance, invocation.args as unknown[]), invocation.handle));
}
