import 'reflect-metadata';
import v8 from 'node:v8';
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import type { ProviderSetup } from '../config/define-config';
import { requireDefault } from '../config/load-config';
import { skipOptionChecks } from '../decorators/check-options';
import { getMethodOptions, getTaskOptions, type JobClass } from '../decorators/task';
import { findCurrentTask, RunHandle } from '../context/task-context';
import { UnsendableValueError, WarrenError, describe } from '../errors';
import { isRetryable, mergeRetryPolicies } from '../policy/retry-policy';
import { serializeError } from '../protocol/serialized-error';
import { invokeTask } from './invoke-task';
import { JobInstances } from './job-instances';
import {
  LEFTOVER_REJECTION,
  TASK_PROGRESS,
  THREAD_HEAP_OVER,
  THREAD_LOADED,
  type CpuTaskMessage,
  type CpuWorkerData,
  type JobModule,
  type LeftoverRejection,
  type TaskProgress,
  type ThreadHeapOver,
  type ThreadLoaded,
} from './cpu-worker-protocol';
import type { RunResult } from './pool';
import { markStarted, startTimesView } from './task-start-times';
import { unsendable } from './sendable';
import { lowerThreadPriority } from './thread-priority';

lowerThreadPriority(workerData as CpuWorkerData);
// The main thread loaded and checked these job modules before it opened this pool.
skipOptionChecks();
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

function jobClass({ modulePath, exportName, task }: JobModule): JobClass {
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

/** The run on this thread now (one at a time), and a rejection its code left unhandled. */
interface CurrentRun {
  readonly handle: RunHandle;
  readonly message: CpuTaskMessage;
  leftover: { readonly reason: unknown } | undefined;
}
let current: CurrentRun | undefined;
/** The last run that ended on this thread: the likely author of a rejection no run's context owns. */
let lastRun: Pick<CpuTaskMessage, 'taskId' | 'task'> | undefined;

/**
 * A rejection nobody handled would, by Node's default, end this thread and with it whatever task
 * runs on it then: often not the one that left it (a timer's rejection surfaces between tasks
 * or during a later one). Node emits the event in the
 * async context of the rejected promise, so `findCurrentTask()` names the run whose code made it:
 * that run fails if it is still going, and otherwise no task does and the main thread logs it.
 */
process.on('unhandledRejection', (reason) => {
  const owner = findCurrentTask();
  if (current?.handle.holds(owner)) {
    current.leftover ??= { reason };
    return;
  }
  const report: LeftoverRejection = {
    [LEFTOVER_REJECTION]: true,
    thread: threadId,
    taskId: owner?.taskId ?? lastRun?.taskId,
    task: owner?.task ?? lastRun?.task,
    exact: owner !== undefined,
    running: current?.message.task,
    error: serializeError(reason),
  };
  parentPort?.postMessage(report);
});

export default async function runCpuTask(message: CpuTaskMessage): Promise<RunResult> {
  let found: JobClass | undefined;
  const run: CurrentRun = { handle: new RunHandle(), message, leftover: undefined };
  current = run;
  try {
    found = jobClass(message);
    const instances = setUp();
    // The hard limit counts the task's own run: not a new thread's loading of the job module and
    // the config's providers, which under load took seconds and killed tasks that had not begun.
    if (message.startSlot !== undefined) markStarted(startTimes, message.startSlot, threadId);
    const onProgress = (encoded: string): void => parentPort?.postMessage({ [TASK_PROGRESS]: true, taskId: message.taskId, encoded } satisfies TaskProgress);
    const result = await invokeTask(instances, found, { ...message, handle: run.handle, onProgress });
    // One turn of the event loop: rejections the run left unhandled are reported now, to it,
    // not during the next task on this thread.
    await new Promise(setImmediate);
    if (run.leftover) {
      const { reason } = run.leftover;
      throw new LeftoverFailure(new WarrenError(`${message.task} left a promise rejection unhandled: ${describe(reason)}`, { cause: reason }), reason);
    }
    // A result the clone cannot carry would kill this thread after the task "succeeded".
    const problem = unsendable(result);
    if (problem !== undefined) throw new UnsendableValueError(`The result of ${message.task} cannot be sent back: ${problem}`);
    return { outcome: { ok: true, result }, threadId, retryable: false };
  } catch (thrown) {
    const [error, decidedBy] = thrown instanceof LeftoverFailure ? [thrown.error, thrown.reason] : [thrown, thrown];
    // retryOn may be a predicate or error classes: only this thread has the real error to test.
    const retryOn = found ? mergeRetryPolicies(getTaskOptions(found)?.retry, getMethodOptions(found, message.method)?.retry).retryOn : undefined;
    return { outcome: { ok: false, error: serializeError(error) }, threadId, retryable: isRetryable(decidedBy, retryOn) };
  } finally {
    if (current === run) current = undefined;
    lastRun = message;
    checkHeap();
  }
}

const { maxHeapMbPerThread, preload } = workerData as CpuWorkerData;
let heapReported = false;

/** Once the heap in use after a task passes the limit, the main thread replaces this thread between tasks. */
function checkHeap(): void {
  if (maxHeapMbPerThread === undefined || heapReported) return;
  const heapMb = Math.round(v8.getHeapStatistics().used_heap_size / 2 ** 20);
  if (heapMb <= maxHeapMbPerThread) return;
  heapReported = true;
  parentPort?.postMessage({ [THREAD_HEAP_OVER]: true, thread: threadId, heapMb } satisfies ThreadHeapOver);
}

// A recycled thread's spare loads everything before it replaces one. A module or providers that
// fail are not fatal here (piscina stops replacing workers that fail to load): each task of
// theirs fails with the error instead, as on a thread that loads them per task.
if (preload) {
  for (const job of preload) {
    try {
      jobClass(job);
    } catch {
      // its tasks fail with this error when they run
    }
  }
  try {
    setUp();
  } catch {
    // kept in setupError: every task fails with it
  }
  parentPort?.postMessage({ [THREAD_LOADED]: true, thread: threadId } satisfies ThreadLoaded);
}

/** The run failed for the rejection it left: retried or not as that rejection's error decides. */
class LeftoverFailure {
  constructor(
    readonly error: Error,
    readonly reason: unknown,
  ) {}
}
