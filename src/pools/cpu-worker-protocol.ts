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
  /** Where to write when the task starts, for its hard time limit; undefined: nobody asks. */
  readonly startSlot: number | undefined;
}
