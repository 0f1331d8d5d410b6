import { performance } from 'node:perf_hooks';
import type { IoClient, Target } from '../clients/bench-client';
import { windowed } from '../concurrency';

export interface IoThroughputSample {
  readonly tasks: number;
  readonly wallMs: number;
  readonly tasksPerSec: number;
  /** Peak RSS of the server child while it worked, when the server is ours to ask. */
  readonly peakRssBytes?: number;
  readonly rssSamples?: number[];
  /** CPU time (user + system, all threads) per task while it ran: the server child, and the bench process (the caller). */
  readonly serverCpuUsPerTask?: number;
  readonly clientCpuUsPerTask: number;
}

export interface IoThroughputOptions {
  readonly tasks: number;
  readonly warmupTasks: number;
  /** Unconfirmed publishes in flight. */
  readonly publishWindow: number;
}

/**
 * Scenario 1: `tasks` no-op I/O tasks published (persistent, confirmed, `publishWindow` unconfirmed
 * at a time) and completed; wall time from the first publish to the last completion.
 */
export async function ioThroughput(target: Target<IoClient>, options: IoThroughputOptions): Promise<IoThroughputSample> {
  await burst(target, options.warmupTasks, options.publishWindow);
  await target.server?.request({ op: 'rss-sampling', on: true });
  const { done } = await target.arm('io', options.tasks);
  const serverCpu0 = await target.server?.request({ op: 'cpu-usage' });
  const clientCpu0 = process.cpuUsage();
  const t0 = performance.now();
  await windowed(options.tasks, options.publishWindow, () => target.client.enqueueNoop());
  await done;
  const wallMs = performance.now() - t0;
  const clientCpu = process.cpuUsage(clientCpu0);
  const serverCpu1 = await target.server?.request({ op: 'cpu-usage' });
  const rss = await target.server?.request({ op: 'rss-sampling', on: false });
  const serverCpuUs = serverCpu0 && serverCpu1 ? serverCpu1.user + serverCpu1.system - serverCpu0.user - serverCpu0.system : undefined;
  return {
    tasks: options.tasks,
    wallMs,
    tasksPerSec: (options.tasks / wallMs) * 1000,
    peakRssBytes: rss?.maxBytes,
    rssSamples: rss?.samples,
    serverCpuUsPerTask: serverCpuUs === undefined ? undefined : serverCpuUs / options.tasks,
    clientCpuUsPerTask: (clientCpu.user + clientCpu.system) / options.tasks,
  };
}

async function burst(target: Target<IoClient>, tasks: number, window: number): Promise<void> {
  if (tasks <= 0) return;
  const { done } = await target.arm('io', tasks);
  await windowed(tasks, window, () => target.client.enqueueNoop());
  await done;
}
