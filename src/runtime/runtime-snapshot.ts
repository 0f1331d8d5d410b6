import type { PoolKind } from '../decorators/task-options';
import type { ScheduleView } from '../schedule/scheduler';
import type { TaskEvent } from './task-event';

/** A running runtime at one moment: what dashboards, metrics and `warren inspect` show. */
export interface RuntimeSnapshot {
  readonly id: string;
  readonly startedAt: string;
  readonly state: 'running' | 'stopping' | 'stopped';
  /** Connected, topology declared and consuming: what /readyz answers. */
  readonly ready: boolean;
  readonly broker: string;
  readonly namespace: string;
  readonly pools: ReadonlyArray<{ readonly kind: PoolKind; readonly capacity: number; readonly inFlight: number; readonly workerRestarts: number }>;
  readonly queues: ReadonlyArray<{ readonly queue: string; readonly brokerQueue: string; readonly pool: PoolKind; readonly prefetch: number; readonly running: number }>;
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
