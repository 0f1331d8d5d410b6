import 'reflect-metadata';
import { threadId, workerData } from 'node:worker_threads';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import type { ProviderSetup } from '../config/define-config';
import { requireDefault } from '../config/load-config';
import { getMethodOptions, getTaskOptions, type JobClass } from '../decorators/task';
import { WarrenError, describe } from '../errors';
import { isRetryable, mergeRetryPolicies } from '../policy/retry-policy';
import { serializeError } from '../protocol/serialized-error';
import { invokeTask } from './invoke-task';
import { JobInstances } from './job-instances';
import type { CpuTaskMessage, CpuWorkerData } from './cpu-worker-protocol';
import type { RunResult } from './pool';
import { markStarted, startTimesView } from './task-start-times';
import { lowerThreadPriority } from './thread-priority';

lowerThreadPriority(workerData as CpuWorkerData);
const startTimes = startTimesView((workerData as CpuWorkerData).taskStartTimes);

/** A CPU worker thread is its own isolate: it loads the config's providers and the job modules itself. */
let instances: JobInstances | undefined;
let setupError: Error | undefined;
const jobClasses = new Map<string, JobClass>();

function setUp(): JobInstances {
  if (setupError) throw setupError;
  if (instances) return instances;
  const { configFile } = workerData as CpuWorkerData;
  const container: DependencyContainer = rootContainer.createChildContainer();
  if (configFile) {
    try {
      const config = requireDefault(configFile) as { providers?: ProviderSetup } | undefined;
      config?.providers?.(container);
    } catch (error) {
      setupError = new WarrenError(`CPU worker could not run the providers of ${configFile}: ${describe(error)}`, { cause: error });
      throw setupError;
    }
  }
  return (instances = new JobInstances(container));
}

function jobClass({ modulePath, exportName, task }: CpuTaskMessage): JobClass {
  const key = `${modulePath}#${exportName}`;
  let found = jobClasses.get(key);
  if (!found) {
    let exports: Record<string, unknown>;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      exports = require(modulePath) as Record<string, unknown>;
    } catch (error) {
      throw new WarrenError(`CPU worker could not load ${modulePath} for ${task}: ${describe(error)}`, { cause: error });
    }
    found = exports[exportName] as JobClass | undefined;
    if (typeof found !== 'function') throw new WarrenError(`${modulePath} has no export '${exportName}' in the worker thread`);
    jobClasses.set(key, found);
  }
  return found;
}

export default async function runCpuTask(message: CpuTaskMessage): Promise<RunResult> {
  let found: JobClass | undefined;
  try {
    found = jobClass(message);
    const instances = setUp();
    // The hard limit counts the task's own run: not a new thread's loading of the job module and
    // the config's providers, which under load took seconds and killed tasks that had not begun.
    if (message.startSlot !== undefined) markStarted(startTimes, message.startSlot);
    const result = await invokeTask(instances, found, message);
    return { outcome: { ok: true, result }, threadId, retryable: false };
  } catch (error) {
    // retryOn may be a predicate or error classes: only this thread has the real error to test.
    const retryOn = found ? mergeRetryPolicies(getTaskOptions(found)?.retry, getMethodOptions(found, message.method)?.retry).retryOn : undefined;
    return { outcome: { ok: false, error: serializeError(error) }, threadId, retryable: isRetryable(error, retryOn) };
  }
}
