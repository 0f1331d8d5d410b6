import type { PoolKind } from '../decorators/task-options';
import type { ScheduleView } from '../schedule/scheduler';
import type { TaskEvent } from './task-event';

/** A task handed to its pool and not settled yet. */
export interface InFlightTask {
  readonly taskId: string;
  readonly task: string;
  readonly queue: string;
  readonly pool: PoolKind;
  readonly attempt: number;
  /** When its delivery arrived (ISO). */
  readonly receivedAt: string;
  /** When it started running and on which thread (0: the main thread); absent while it waits for a CPU thread. */
  readonly startedAt?: string;
  readonly threadId?: number;
}

/** The most in-flight tasks a snapshot lists, oldest first; `pools[].inFlight` counts them all. */
export const MAX_LISTED_IN_FLIGHT = 100;

/** A running runtime at one moment: what dashboards, metrics and `warren inspect` show. */
export interface RuntimeSnapshot {
  readonly id: string;
  readonly startedAt: string;
  readonly state: 'running' | 'stopping' | 'stopped';
  /** Connected, topology declared and consuming: what /readyz answers. */
  readonly ready: boolean;
  readonly broker: string;
  readonly namespace: string;
  readonly pools: ReadonlyArray<{
    readonly kind: PoolKind;
    readonly capacity: number;
    readonly inFlight: number;
    readonly workerRestarts: number;
    /** CPU threads replaced for passing maxTasksPerThread or maxHeapMbPerThread, by reason; absent when neither is set. */
    readonly threadsRecycled?: Readonly<Record<'tasks' | 'heap', number>>;
  }>;
  readonly queues: ReadonlyArray<{ readonly queue: string; readonly brokerQueue: string; readonly pool: PoolKind; readonly prefetch: number; readonly running: number }>;
  /** Tasks running or waiting for a thread now, oldest first (at most MAX_LISTED_IN_FLIGHT). */
  readonly inFlight: readonly InFlightTask[];
  /** Since start, by outcome. */
  readonly counts: Readonly<Record<TaskEvent['outcome'], number>>;
  /** The latest failures, retries and rejections, newest first (at most 50). */
  readonly recentFailures: readonly TaskEvent[];
  readonly reconnects: number;
  /** The schedules it defines; with their last firing and `holder` when it holds them. */
  readonly schedules: readonly ScheduleView[];
  /** The result store, when there is one: kind, where (no password), reachable now. */
  readonly resultStore?: { readonly kind: string; readonly description: string; readonly healthy: boolean };
}
