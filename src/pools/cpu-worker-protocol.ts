import type { SerializedError } from '../protocol/serialized-error';

/** What the main thread hands a CPU worker when it starts. */
export interface CpuWorkerData {
  /** The config module whose `providers` the worker runs in its own container. */
  readonly configFile: string | undefined;
  /** How much to lower the worker thread's scheduling priority (Linux nice), 0 for none. */
  readonly niceness: number;
  /** Run the worker thread under Linux's SCHED_IDLE policy. */
  readonly schedIdle: boolean;
  /** Shared with the main thread: when each task started (task-start-times.ts). */
  readonly taskStartTimes: SharedArrayBuffer;
  /** When threads are recycled: what a thread loads before it says it is loaded (a spare must be ready to serve). */
  readonly preload?: readonly JobModule[];
  /** Tell the main thread when the heap in use after a task passes this many MB. */
  readonly maxHeapMbPerThread?: number;
}

/** One job class a CPU task runs, by where it is exported. */
export interface JobModule {
  readonly modulePath: string;
  readonly exportName: string;
  readonly task: string;
}

/** One task for a CPU worker: plain data, so it crosses the thread boundary by structured clone. */
export interface CpuTaskMessage {
  readonly taskId: string;
  readonly task: string;
  readonly attempt: number;
  readonly modulePath: string;
  readonly exportName: string;
  readonly method: string;
  readonly args: readonly unknown[];
  readonly softTimeLimitMs: number | undefined;
  readonly traceparent: string | undefined;
  readonly queue: string;
  /** Where to write when the task starts, for its hard time limit; undefined: nobody asks. */
  readonly startSlot: number | undefined;
}

/** Marks a worker's message about a rejection no running task owned (piscina emits it as the pool's `message`). */
export const LEFTOVER_REJECTION = 'warren:leftover-rejection';

/** A worker to the main thread: a rejection was left unhandled, by a task that had already ended (or by no task). */
export interface LeftoverRejection {
  readonly [LEFTOVER_REJECTION]: true;
  readonly thread: number;
  /** The task whose code made the promise, or when no task did, the last that ran on the thread. */
  readonly taskId: string | undefined;
  readonly task: string | undefined;
  /** Whether `task` made the promise (known from its async context), or only ran last. */
  readonly exact: boolean;
  /** The task running on the thread when it surfaced, which is not blamed. */
  readonly running: string | undefined;
  readonly error: SerializedError;
}

/** Marks a worker's message with a running task's progress. */
export const TASK_PROGRESS = 'warren:task-progress';

export interface TaskProgress {
  readonly [TASK_PROGRESS]: true;
  readonly taskId: string;
  /** The value, as JSON text. */
  readonly encoded: string;
}

export function isTaskProgress(message: unknown): message is TaskProgress {
  return typeof message === 'object' && message !== null && (message as Record<string, unknown>)[TASK_PROGRESS] === true;
}

export function isLeftoverRejection(message: unknown): message is LeftoverRejection {
  return typeof message === 'object' && message !== null && (message as Record<string, unknown>)[LEFTOVER_REJECTION] === true;
}

/** Marks a worker's word that it has loaded its job modules and container (sent only when threads are recycled). */
export const THREAD_LOADED = 'warren:thread-loaded';

export interface ThreadLoaded {
  readonly [THREAD_LOADED]: true;
  readonly thread: number;
}

/** Marks a worker's word that its heap after a task passed `maxHeapMbPerThread` (sent once). */
export const THREAD_HEAP_OVER = 'warren:thread-heap-over';

export interface ThreadHeapOver {
  readonly [THREAD_HEAP_OVER]: true;
  readonly thread: number;
  readonly heapMb: number;
}

export function isThreadLoaded(message: unknown): message is ThreadLoaded {
  return typeof message === 'object' && message !== null && (message as Record<string, unknown>)[THREAD_LOADED] === true;
}

export function isThreadHeapOver(message: unknown): message is ThreadHeapOver {
  return typeof message === 'object' && message !== null && (message as Record<string, unknown>)[THREAD_HEAP_OVER] === true;
}
