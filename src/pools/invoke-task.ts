import type { JobInstances } from './job-instances';

/** Calls the task's method on the thread's instance of its job class. */
export async function invokeTask(instances: JobInstances, jobClass: Parameters<JobInstances['get']>[0], method: string, args: readonly unknown[]): Promise<unknown> {
  const instance = instances.get(jobClass) as Record<string, (...a: unknown[]) => unknown>;
  const fn = instance[method];
  if (typeof fn !== 'function') throw new TypeError(`${jobClass.name}.${method} is not a method`);
  return await fn.apply(instance, [...args]);
}
