import path from 'node:path';
import type { Piscina } from 'piscina';
import type { Logger } from 'pino';
import { deadlines } from '../context/task-context';
import { TaskTimeLimitError, UnsendableValueError, WorkerCrashedError, describe } from '../errors';
import { isRetryable } from '../policy/retry-policy';
import { serializeError } from '../protocol/serialized-error';
import type { Deadline } from '../util/deadline-clock';
import { isLeftoverRejection, isTaskProgress, isThreadHeapOver, isThreadLoaded, type CpuTaskMessage, type CpuWorkerData, type JobModule, type LeftoverRejection } from './cpu-worker-protocol';
import type { Pool, RunResult, TaskRun } from './pool';
import { TaskStartTimes } from './task-start-times';
import { ThreadRecycler, type RecycleReason, type ThreadRecycle } from './thread-recycler';
import { workerNodeOptions } from './worker-exec-argv';

export interface CpuPoolOptions {
  readonly threads: number;
  readonly configFile: string | undefined;
  readonly maxOldGenerationSizeMb: number | undefined;
  readonly niceness: number;
  readonly schedIdle: boolean;
  readonly logger: Logger;
  /** Where a task's `currentTask().progress(value)` goes. */
  readonly onProgress?: (taskId: string, value: unknown) => void;
  /** Replace a thread after this many tasks. */
  readonly maxTasksPerThread?: number | undefined;
  /** Replace a thread whose heap in use after a task passes this many MB. */
  readonly maxHeapMbPerThread?: number | undefined;
  /** The job classes of the CPU tasks: a spare thread loads them before it replaces one. */
  readonly jobModules?: readonly JobModule[];
  readonly onRecycle?: (recycle: ThreadRecycle) => void;
}

/**
 * Runs CPU-bound tasks in piscina worker threads, one task per thread at a time. A task that
 * crashes its thread or passes its hard time limit costs only that thread, which piscina replaces.
 */
export class CpuPool implements Pool {
  readonly kind = 'cpu' as const;
  readonly capacity: number;
  private readonly piscina: Piscina;
  private running = 0;
  private restarts = 0;
  private closed = false;
  private readonly startTimes = new TaskStartTimes();
  /** The start-time slot of each task handed over and not finished, by task id. */
  private readonly slots = new Map<string, number>();
  private readonly recycler: ThreadRecycler | undefined;

  constructor(options: CpuPoolOptions) {
    this.capacity = options.threads;
    const { maxTasksPerThread, maxHeapMbPerThread } = options;
    const recycling = maxTasksPerThread !== undefined || maxHeapMbPerThread !== undefined;
    const workerData: CpuWorkerData = {
      configFile: options.configFile,
      niceness: options.niceness,
      schedIdle: options.schedIdle,
      taskStartTimes: this.startTimes.buffer,
      ...(recycling && { preload: options.jobModules ?? [], maxHeapMbPerThread }),
    };
    const terminate = (id: number): void => void this.piscina.threads.find((thread) => thread.threadId === id)?.terminate();
    const recycler = recycling ? new ThreadRecycler({ threads: options.threads, maxTasksPerThread, maxHeapMbPerThread, logger: options.logger, terminate, onRecycle: options.onRecycle }) : undefined;
    this.recycler = recycler;
    // Recycling keeps one spare thread loaded beyond `threads` (thread-recycler.ts says why).
    const workers = recycler ? options.threads + 1 : options.threads;
    const node = workerNodeOptions();
    if (node.processWide.length > 0) {
      options.logger.debug({ flags: node.processWide }, `Node options ${node.processWide.join(' ')} are process-wide: CPU worker threads have them without being passed them`);
    }
    const { maxOldGenerationSizeMb } = options;
    if (maxOldGenerationSizeMb && node.heapLimitFlag) {
      options.logger.warn(`${node.heapLimitFlag} on the node command sets every CPU thread's heap limit: pools.cpu.maxOldGenerationSizeMb (${maxOldGenerationSizeMb}) has no effect`);
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Piscina: PiscinaPool } = require('piscina') as typeof import('piscina'); // on use: a runtime without CPU queues never opens it
    this.piscina = new PiscinaPool({
      filename: path.join(__dirname, 'cpu-worker-entry.js'),
      minThreads: workers,
      maxThreads: workers,
      idleTimeout: Number.POSITIVE_INFINITY,
      concurrentTasksPerWorker: 1,
      // Tasks arrive as messages, so a thread's event loop runs between them and timers a job set
      // (a flush, a heartbeat) fire; piscina's default blocks the idle thread in Atomics.wait.
      atomics: 'disabled',
      workerData,
      execArgv: node.execArgv,
      resourceLimits: maxOldGenerationSizeMb ? { maxOldGenerationSizeMb } : undefined,
      loadBalancer: recycler?.balance,
    });
    if (recycler) {
      this.piscina.on('workerCreate', (worker: Parameters<ThreadRecycler['created']>[0]) => recycler.created(worker));
      this.piscina.on('workerDestroy', () => recycler.destroyed());
    }
    // Errors outside any task (a worker dying while idle): piscina replaces the worker; say so.
    this.piscina.on('error', (error: unknown) => options.logger.error({ err: error }, 'CPU worker error outside a task'));
    this.piscina.on('message', (message: unknown) => {
      if (isTaskProgress(message)) options.onProgress?.(message.taskId, JSON.parse(message.encoded));
      else if (isLeftoverRejection(message)) logLeftover(options.logger, message);
      else if (isThreadLoaded(message)) recycler?.threadLoaded(message.thread);
      else if (isThreadHeapOver(message)) recycler?.heapOver(message.thread, message.heapMb);
    });
  }

  get inFlight(): number {
    return this.running;
  }

  get workerRestarts(): number {
    return this.restarts;
  }

  /** Threads replaced for passing maxTasksPerThread or maxHeapMbPerThread, by reason; undefined when neither is set. */
  get threadsRecycled(): Readonly<Record<RecycleReason, number>> | undefined {
    return this.recycler?.recycled;
  }

  /** The threads handed tasks now (with recycling; a spare waits beside them). */
  get servingThreads(): readonly number[] | undefined {
    return this.recycler?.serving;
  }

  where(taskId: string): { startedAt: number; threadId: number } | undefined {
    const slot = this.slots.get(taskId);
    if (slot === undefined) return undefined;
    const startedAt = this.startTimes.startedAt(slot);
    const threadId = this.startTimes.threadOf(slot);
    return startedAt === undefined || threadId === undefined ? undefined : { startedAt, threadId };
  }

  async run({ taskId, attempt, definition, args, traceparent, queue }: TaskRun): Promise<RunResult> {
    // Without a free slot (thousands in flight) a hard limit counts from the hand-over, and where the task runs is not known.
    const slot = this.startTimes.take();
    if (slot !== undefined) this.slots.set(taskId, slot);
    const limit = definition.hardTimeLimitMs === undefined ? undefined : new HardLimit(definition.hardTimeLimitMs, this.startTimes, slot);
    const message: CpuTaskMessage = {
      taskId,
      traceparent,
      queue,
      attempt,
      softTimeLimitMs: definition.softTimeLimitMs,
      task: definition.name,
      modulePath: definition.modulePath,
      exportName: definition.exportName,
      method: definition.method,
      args,
      startSlot: slot,
    };
    this.running++;
    try {
      return (await this.piscina.run(message, { signal: limit?.signal })) as RunResult;
    } catch (error) {
      // Arguments the clone cannot carry (nested past the stack) never reached a thread: nothing died.
      const unclonable = limit?.signal.aborted ? undefined : cloneProblem(error, args);
      if (unclonable !== undefined) {
        const failure = new UnsendableValueError(`The arguments of ${definition.name} cannot be sent to a worker thread: ${unclonable}`, { cause: error });
        return { outcome: { ok: false, error: serializeError(failure) }, threadId: -1, retryable: false };
      }
      this.restarts++; // any other rejected run means its thread was terminated or died; piscina replaces it
      const failure =
        limit?.signal.aborted
          ? new TaskTimeLimitError(definition.name, limit.ms)
          : new WorkerCrashedError(`The worker thread running ${definition.name} died: ${describeCrash(error)}`, { cause: error });
      return { outcome: { ok: false, error: serializeError(failure) }, threadId: -1, retryable: isRetryable(failure, definition.retry.retryOn) };
    } finally {
      limit?.release();
      if (slot !== undefined) {
        this.startTimes.give(slot);
        if (this.slots.get(taskId) === slot) this.slots.delete(taskId);
      }
      this.running--;
      this.recycler?.taskEnded();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.recycler?.close();
    await this.piscina.destroy();
  }
}

/**
 * Why the arguments could not be cloned to a thread, if that is what `error` (a rejected run) is:
 * piscina rejects a task whose message fails to clone, and its thread lives on. Asked only after a
 * failure, by cloning the arguments again: the hot path pays nothing. (A stack overflow shows up as
 * a RangeError, and so could a crash: only a second failing clone tells them apart.)
 */
function cloneProblem(error: unknown, args: readonly unknown[]): string | undefined {
  const name = (error as { name?: unknown } | null)?.name;
  if (name !== 'DataCloneError' && name !== 'RangeError') return undefined;
  try {
    structuredClone(args);
    return undefined;
  } catch (again) {
    return describe(again);
  }
}

/** A thread's last error, readably: a DataCloneError (a DOMException) printed as [object Object]. */
function describeCrash(error: unknown): string {
  if (error instanceof Error || typeof error !== 'object' || error === null) return describe(error);
  const { name, message } = error as { name?: unknown; message?: unknown };
  return typeof message === 'string' ? `${typeof name === 'string' ? name : 'Error'}: ${message}` : describe(error);
}

function logLeftover(logger: Logger, leftover: LeftoverRejection): void {
  const who = leftover.exact
    ? `by ${leftover.task} (task ${leftover.taskId}) after it ended`
    : `by code outside any task run${leftover.task ? `, most likely left by ${leftover.task} (task ${leftover.taskId}), the last task on the thread` : ''}`;
  const running = leftover.running ? `; ${leftover.running}, running there now, is not failed for it` : '';
  logger.warn(
    { thread: leftover.thread, task: leftover.task, taskId: leftover.taskId, exact: leftover.exact, err: leftover.error },
    `a promise rejection was left unhandled on CPU worker thread ${leftover.thread} ${who}${running}: ${leftover.error.name}: ${leftover.error.message}`,
  );
}

/**
 * A task's hard time limit, counted from the moment its worker calls the job method, not from
 * when it was handed to piscina: a CPU queue prefetches more tasks than it has threads, and a
 * crashed thread is replaced by one that first loads the job modules, and a limit counted from
 * the hand-over killed tasks for the time they waited. The limit first comes due on the thread's
 * deadline clock, as the I/O pool's do (most tasks end well before it: no timer per task); then
 * it asks when the task started and, if it waited, sets a timer for the rest. Aborting the signal
 * terminates the worker's thread. (A job module that never finishes loading in a worker is
 * therefore not stopped by it.)
 */
class HardLimit {
  private readonly controller = new AbortController();
  private readonly deadline: Deadline;
  private rest: NodeJS.Timeout | undefined;

  constructor(
    readonly ms: number,
    private readonly startTimes: TaskStartTimes,
    private readonly slot: number | undefined,
  ) {
    this.deadline = deadlines.schedule(ms, () => this.due());
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  release(): void {
    this.deadline.cancel();
    clearTimeout(this.rest);
  }

  private due(): void {
    const started = this.slot === undefined ? undefined : this.startTimes.startedAt(this.slot);
    const left = this.slot === undefined ? 0 : started === undefined ? this.ms : started + this.ms - Date.now();
    // Unref'd, as the clock is: the task in flight is what keeps the process alive.
    if (left <= 0) this.controller.abort();
    else this.rest = setTimeout(() => this.due(), left).unref();
  }
}
