import { performance } from 'node:perf_hooks';
import type { CpuClient, Target } from '../clients/bench-client';
import { windowed } from '../concurrency';
import type { ServerProcess } from '../servers/server-process';

export interface PoolSample {
  readonly system: string;
  readonly tasks: number;
  readonly kernelN: number;
  readonly threads: number;
  /** First publish to last completion. */
  readonly wallMs: number;
  readonly tasksPerSec: number;
  /** The kernel's mean wall time in the pool's threads, timed where it ran. */
  readonly poolKernelMsPerTask: number;
  /** wallMs × threads / tasks − poolKernelMsPerTask: thread time per task between kernels. */
  readonly overheadMsPerTask: number;
}

export interface SerialSample {
  readonly tasks: number;
  /** The same kernel `tasks` times in a row in one thread (a fresh child process). */
  readonly serialWallMs: number;
  readonly serialTasksPerSec: number;
  readonly kernelMsPerTask: number;
}

export interface CpuOptions {
  readonly tasks: number;
  readonly kernelN: number;
  readonly threads: number;
  readonly publishWindow: number;
}

/**
 * Scenario 3: `tasks` kernel tasks through the target's CPU queue and pool (Warren's, or the bare
 * piscina baseline's, same threads, same broker work).
 *
 * The dispatch overhead compares the pool's thread time per task with the kernel's own time in
 * those threads (the job times it where it runs), not with the serial run: that one runs in
 * another process at another moment, and a few per cent of drift between the two moved the
 * overhead by tenths of a millisecond, once below zero.
 */
export async function poolThroughput(target: Target<CpuClient>, options: CpuOptions): Promise<PoolSample> {
  if (!target.server) throw new Error('the CPU scenario needs a server child to ask for its kernel times');
  const { tasks, kernelN, threads, publishWindow } = options;
  const warmup = Math.max(4, threads * 4);
  const warm = await target.arm('cpu', warmup);
  await windowed(warmup, publishWindow, () => target.client.enqueueKernel(kernelN));
  await warm.done;

  const { done } = await target.arm('cpu', tasks);
  const kernels0 = await target.server.request({ op: 'kernel-time' });
  const t0 = performance.now();
  await windowed(tasks, publishWindow, () => target.client.enqueueKernel(kernelN));
  await done;
  const wallMs = performance.now() - t0;
  const kernels1 = await target.server.request({ op: 'kernel-time' });
  // A mean: a timing posted just before `done` may still be on its way, and one more or less does not move it.
  const poolKernelMsPerTask = (kernels1.totalMs - kernels0.totalMs) / Math.max(1, kernels1.kernels - kernels0.kernels);
  return {
    system: target.system,
    tasks,
    kernelN,
    threads,
    wallMs,
    tasksPerSec: (tasks / wallMs) * 1000,
    poolKernelMsPerTask,
    overheadMsPerTask: (wallMs * threads) / tasks - poolKernelMsPerTask,
  };
}

/** The kernel `tasks` times in a row in one thread of `serial` (the baseline child, idle otherwise): the speedup's denominator. */
export async function serialKernel(serial: ServerProcess, kernelN: number, tasks: number): Promise<SerialSample> {
  const { wallMs: serialWallMs } = await serial.request({ op: 'serial-kernel', n: kernelN, count: tasks });
  return { tasks, serialWallMs, serialTasksPerSec: (tasks / serialWallMs) * 1000, kernelMsPerTask: serialWallMs / tasks };
}
