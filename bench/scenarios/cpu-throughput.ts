import { performance } from 'node:perf_hooks';
import type { CpuClient, Target } from '../clients/bench-client';
import { windowed } from '../concurrency';
import type { ServerProcess } from '../servers/server-process';

export interface CpuSample {
  readonly tasks: number;
  readonly kernelN: number;
  readonly threads: number;
  /** Warren: first publish to last completion. */
  readonly wallMs: number;
  readonly tasksPerSec: number;
  /** The same kernel `tasks` times in a row in one thread (a fresh child process). */
  readonly serialWallMs: number;
  readonly serialTasksPerSec: number;
  readonly kernelMsPerTask: number;
  /** serialWallMs / wallMs. */
  readonly speedup: number;
  /** wallMs × threads / tasks − kernelMsPerTask: thread time per task not spent in the kernel. */
  readonly overheadMsPerTask: number;
}

export interface CpuOptions {
  readonly tasks: number;
  readonly kernelN: number;
  readonly threads: number;
  readonly publishWindow: number;
}

/**
 * Scenario 3: `tasks` kernel tasks through the target's CPU queue, against the same kernel run
 * serially in one thread of `serial` (the baseline child, idle otherwise).
 */
export async function cpuThroughput(target: Target<CpuClient>, serial: ServerProcess, options: CpuOptions): Promise<CpuSample> {
  const { tasks, kernelN, threads, publishWindow } = options;
  const warmup = Math.max(4, threads * 4);
  const warm = await target.arm('cpu', warmup);
  await windowed(warmup, publishWindow, () => target.client.enqueueKernel(kernelN));
  await warm.done;

  const { done } = await target.arm('cpu', tasks);
  const t0 = performance.now();
  await windowed(tasks, publishWindow, () => target.client.enqueueKernel(kernelN));
  await done;
  const wallMs = performance.now() - t0;

  const { wallMs: serialWallMs } = await serial.request({ op: 'serial-kernel', n: kernelN, count: tasks });
  const kernelMsPerTask = serialWallMs / tasks;
  return {
    tasks,
    kernelN,
    threads,
    wallMs,
    tasksPerSec: (tasks / wallMs) * 1000,
    serialWallMs,
    serialTasksPerSec: (tasks / serialWallMs) * 1000,
    kernelMsPerTask,
    speedup: serialWallMs / wallMs,
    overheadMsPerTask: (wallMs * threads) / tasks - kernelMsPerTask,
  };
}
