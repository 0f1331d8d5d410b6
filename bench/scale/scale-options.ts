import type { BenchOptions } from '../options';

const KB = 1024;
const MB = 1024 * 1024;

/** The sizes of each curve of `--scale`; `--scale --quick` keeps every curve with small sizes. */
export interface ScaleOptions {
  readonly mode: 'quick' | 'full';
  readonly backlogSizes: readonly number[];
  readonly queueCounts: readonly number[];
  /** Bytes of the string argument. */
  readonly argumentSizes: readonly number[];
  /** Bytes sent per point of the argument curve: the calls per size are this / size, within bounds. */
  readonly argumentBudgetBytes: number;
  readonly clientCounts: readonly number[];
  /** Sequential echo calls per caller process. */
  readonly callsPerClient: number;
  readonly runtimeCounts: readonly number[];
  /** No-op tasks shared among the runtimes. */
  readonly sharedTasks: number;
  readonly publishWindow: number;
  /** How long an idle server's CPU is measured (queues curve). */
  readonly idleCpuMs: number;
}

export function scaleOptions(options: BenchOptions): ScaleOptions {
  const quick = options.mode === 'quick';
  return {
    mode: options.mode,
    backlogSizes: options.backlogSizes ?? (quick ? [2_000, 10_000, 30_000] : [10_000, 100_000, 500_000]),
    queueCounts: quick ? [1, 10, 50] : [1, 10, 100, 300],
    argumentSizes: [KB, 100 * KB, MB, 3 * MB],
    argumentBudgetBytes: quick ? 16 * MB : 96 * MB,
    clientCounts: quick ? [1, 4, 10] : [1, 10, 50],
    callsPerClient: quick ? 200 : 1_000,
    runtimeCounts: [1, 2, 4],
    sharedTasks: quick ? 6_000 : 40_000,
    publishWindow: options.publishWindow,
    idleCpuMs: quick ? 1_000 : 3_000,
  };
}

/** Calls per argument size: the byte budget over the size, at least `min`, at most `max`. */
export function callsForSize(size: number, budgetBytes: number, min = 10, max = 400): number {
  return Math.max(min, Math.min(max, Math.floor(budgetBytes / size)));
}
