import { median } from './stats';

/**
 * The columns of the report. `piscina` is the CPU baseline: the same kernel on a bare piscina pool
 * fed by a raw amqplib consumer; `serial` is the kernel run serially in one thread.
 */
export type SystemId = 'warren' | 'raw' | 'piscina' | 'serial' | 'empty' | 'celery-prefork' | 'celery-threads';

export const SYSTEM_LABELS: Readonly<Record<SystemId, string>> = {
  warren: 'Warren',
  raw: 'raw amqplib',
  piscina: 'raw amqplib + bare piscina',
  serial: 'serial, 1 thread',
  empty: 'empty child, loader only',
  'celery-prefork': 'Celery prefork',
  'celery-threads': 'Celery threads',
};

export type FigureKey =
  | 'io.tasksPerSec'
  | 'io.serverCpuUs'
  | 'io.clientCpuUs'
  | 'rpc.p50Ms'
  | 'rpc.p99Ms'
  | 'rpc.warmupP99Ms'
  | 'rpc.callsPerSec'
  | 'cpu.tasksPerSec'
  | 'cpu.serialTasksPerSec'
  | 'cpu.speedup'
  | 'cpu.kernelMs'
  | 'cpu.poolKernelMs'
  | 'cpu.overheadMs'
  | 'iso.idleP50Ms'
  | 'iso.idleP99Ms'
  | 'iso.satP50Ms'
  | 'iso.satP99Ms'
  | 'iso.p99Ratio'
  | 'iso.hogP50Ms'
  | 'iso.hogP99Ms'
  | 'iso.hogP99Ratio'
  | 'iso.idleHogP99Ms'
  | 'iso.idleHogP99Ratio'
  | 'iso.satOverFloor'
  | 'mem.idleMb'
  | 'mem.loadMb'
  | 'mem.floorMb';

export interface FigureDef {
  readonly key: FigureKey;
  readonly label: string;
  readonly unit: string;
  readonly better: 'higher' | 'lower';
  readonly digits: number;
  /** The column Warren is compared with (ratio Warren / baseline). */
  readonly baseline: SystemId | undefined;
  /** For a row without a comparison: the system whose value is shown in the baseline column. */
  readonly reference?: SystemId;
}

export const FIGURES: readonly FigureDef[] = [
  { key: 'io.tasksPerSec', label: '1. I/O no-op throughput', unit: 'tasks/s', better: 'higher', digits: 0, baseline: 'raw' },
  { key: 'io.serverCpuUs', label: '1. … server CPU time per task (all threads)', unit: 'µs', better: 'lower', digits: 1, baseline: 'raw' },
  { key: 'io.clientCpuUs', label: '1. … caller CPU time per task (bench process)', unit: 'µs', better: 'lower', digits: 1, baseline: 'raw' },
  { key: 'rpc.p50Ms', label: '2. RPC latency p50, 1 in flight', unit: 'ms', better: 'lower', digits: 3, baseline: 'raw' },
  { key: 'rpc.p99Ms', label: '2. RPC latency p99, 1 in flight', unit: 'ms', better: 'lower', digits: 3, baseline: 'raw' },
  { key: 'rpc.warmupP99Ms', label: '2. … p99 of the warm-up calls before them (the server still warming up)', unit: 'ms', better: 'lower', digits: 3, baseline: 'raw' },
  { key: 'rpc.callsPerSec', label: '2. RPC throughput, 100 in flight', unit: 'calls/s', better: 'higher', digits: 0, baseline: 'raw' },
  { key: 'cpu.tasksPerSec', label: '3. CPU throughput (baseline: the same kernel on a bare piscina pool, same threads, fed by raw amqplib)', unit: 'tasks/s', better: 'higher', digits: 1, baseline: 'piscina' },
  { key: 'cpu.serialTasksPerSec', label: '3. CPU throughput of the kernel serially in 1 thread', unit: 'tasks/s', better: 'higher', digits: 1, baseline: undefined, reference: 'serial' },
  { key: 'cpu.speedup', label: '3. CPU speedup over serial (baseline column: the bare pool)', unit: '×', better: 'higher', digits: 2, baseline: 'piscina' },
  { key: 'cpu.kernelMs', label: '3. CPU kernel time per task (serial)', unit: 'ms', better: 'lower', digits: 3, baseline: undefined, reference: 'serial' },
  { key: 'cpu.poolKernelMs', label: "3. CPU kernel time per task in the pool's threads (timed where it ran)", unit: 'ms', better: 'lower', digits: 3, baseline: 'piscina' },
  { key: 'cpu.overheadMs', label: '3. CPU dispatch overhead per task (thread time between kernels)', unit: 'ms', better: 'lower', digits: 3, baseline: 'piscina' },
  { key: 'iso.idleP50Ms', label: '4. I/O RPC p50, CPU queue idle', unit: 'ms', better: 'lower', digits: 3, baseline: 'raw' },
  { key: 'iso.idleP99Ms', label: '4. I/O RPC p99, CPU queue idle', unit: 'ms', better: 'lower', digits: 3, baseline: 'raw' },
  { key: 'iso.satP50Ms', label: '4. I/O RPC p50, CPU queue saturated', unit: 'ms', better: 'lower', digits: 3, baseline: 'raw' },
  { key: 'iso.satP99Ms', label: '4. I/O RPC p99, CPU queue saturated', unit: 'ms', better: 'lower', digits: 3, baseline: 'raw' },
  { key: 'iso.p99Ratio', label: '4. I/O p99 saturated / idle', unit: '×', better: 'lower', digits: 2, baseline: 'raw' },
  { key: 'iso.hogP50Ms', label: '4. Machine floor: raw amqplib echo p50 while an unrelated process keeps as many threads busy as Warren has', unit: 'ms', better: 'lower', digits: 3, baseline: undefined, reference: 'raw' },
  { key: 'iso.hogP99Ms', label: '4. Machine floor: raw amqplib echo p99, same', unit: 'ms', better: 'lower', digits: 3, baseline: undefined, reference: 'raw' },
  { key: 'iso.hogP99Ratio', label: '4. Machine floor: raw amqplib p99 with the unrelated CPU load / idle', unit: '×', better: 'lower', digits: 2, baseline: undefined, reference: 'raw' },
  { key: 'iso.idleHogP99Ms', label: "4. Floor at the CPU workers' priority: echo p99, the server idle, while an unrelated process keeps as many threads busy under SCHED_IDLE", unit: 'ms', better: 'lower', digits: 3, baseline: 'raw' },
  { key: 'iso.idleHogP99Ratio', label: '4. … that floor / idle p99 (compare with saturated / idle)', unit: '×', better: 'lower', digits: 2, baseline: 'raw' },
  { key: 'iso.satOverFloor', label: '4. I/O p99 saturated / that floor (the same run)', unit: '×', better: 'lower', digits: 2, baseline: 'raw' },
  { key: 'mem.idleMb', label: '5. Server RSS, idle', unit: 'MB', better: 'lower', digits: 1, baseline: 'raw' },
  { key: 'mem.loadMb', label: '5. Server RSS, peak under scenario 1 load', unit: 'MB', better: 'lower', digits: 1, baseline: 'raw' },
  { key: 'mem.floorMb', label: "5. RSS of an empty `node --require warren/register` child (Warren's TypeScript hook: the loader floor under both)", unit: 'MB', better: 'lower', digits: 1, baseline: undefined, reference: 'empty' },
];

export type Samples = Partial<Record<FigureKey, Partial<Record<SystemId, number[]>>>>;
export type Medians = Partial<Record<FigureKey, Partial<Record<SystemId, number>>>>;

/** One value per figure, system and repetition; raw per-call data go to `details`. */
export class ResultsCollector {
  readonly samples: Samples = {};
  readonly details: Array<{ system: SystemId; repetition: number; scenario: string; data: unknown }> = [];

  add(key: FigureKey, system: SystemId, value: number): void {
    const figure = (this.samples[key] ??= {});
    (figure[system] ??= []).push(value);
  }

  detail(system: SystemId, repetition: number, scenario: string, data: unknown): void {
    this.details.push({ system, repetition, scenario, data });
  }

  medians(): Medians {
    const out: Medians = {};
    for (const [key, bySystem] of Object.entries(this.samples) as Array<[FigureKey, Partial<Record<SystemId, number[]>>]>) {
      const row: Partial<Record<SystemId, number>> = {};
      for (const [system, values] of Object.entries(bySystem) as Array<[SystemId, number[]]>) row[system] = median(values);
      out[key] = row;
    }
    return out;
  }
}

/** Warren / baseline of the medians, or undefined when a side is missing. */
export function ratioOf(medians: Medians, figure: FigureDef): number | undefined {
  const row = medians[figure.key];
  const warren = row?.warren;
  const baseline = figure.baseline ? row?.[figure.baseline] : undefined;
  if (warren === undefined || baseline === undefined || baseline === 0) return undefined;
  return warren / baseline;
}
