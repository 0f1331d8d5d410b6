import type { RuntimeSnapshot } from './runtime-snapshot';
import type { TaskEvent } from './task-event';

type Counts = Readonly<Record<TaskEvent['outcome'], number>>;

/** One runtime of the namespace, as the fleet view lists it. */
export interface FleetRuntime {
  readonly id: string;
  readonly state: RuntimeSnapshot['state'];
  readonly ready: boolean;
  readonly startedAt: string;
  /** The runtime answering this question. */
  readonly here: boolean;
  readonly inFlight: number;
  readonly capacity: number;
  readonly counts: Counts;
}

/** Every runtime that answered, and their sums: what one runtime's own figures are a part of. */
export interface FleetView {
  readonly runtimes: readonly FleetRuntime[];
  readonly totals: { readonly runtimes: number; readonly ready: number; readonly inFlight: number; readonly capacity: number; readonly counts: Counts };
}

const NO_COUNTS: Counts = { succeeded: 0, retried: 0, failed: 0, rejected: 0, expired: 0, scheduled: 0 };

/** Pure: the fleet view of the snapshots that answered, this runtime's first, then oldest first. */
export function fleetView(snapshots: readonly RuntimeSnapshot[], hereId: string): FleetView {
  const runtimes: FleetRuntime[] = snapshots
    .map((snapshot) => ({
      id: snapshot.id,
      state: snapshot.state,
      ready: snapshot.ready,
      startedAt: snapshot.startedAt,
      here: snapshot.id === hereId,
      inFlight: snapshot.pools.reduce((sum, pool) => sum + pool.inFlight, 0),
      capacity: snapshot.pools.reduce((sum, pool) => sum + pool.capacity, 0),
      counts: { ...NO_COUNTS, ...snapshot.counts },
    }))
    .sort((a, b) => Number(b.here) - Number(a.here) || a.startedAt.localeCompare(b.startedAt));
  const counts = { ...NO_COUNTS } as Record<TaskEvent['outcome'], number>;
  for (const runtime of runtimes) for (const outcome of Object.keys(counts) as Array<TaskEvent['outcome']>) counts[outcome] += runtime.counts[outcome] ?? 0;
  return {
    runtimes,
    totals: {
      runtimes: runtimes.length,
      ready: runtimes.filter((runtime) => runtime.ready).length,
      inFlight: runtimes.reduce((sum, runtime) => sum + runtime.inFlight, 0),
      capacity: runtimes.reduce((sum, runtime) => sum + runtime.capacity, 0),
      counts,
    },
  };
}
