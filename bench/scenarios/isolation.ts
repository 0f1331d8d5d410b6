import type { BrokerAdmin } from '../admin';
import type { CpuClient } from '../clients/bench-client';
import { windowed } from '../concurrency';
import type { ServerProcess } from '../servers/server-process';
import { sequentialEchoes, type LatencySample } from './rpc-latency';

export interface IsolationSample {
  readonly idle: LatencySample;
  readonly saturated: LatencySample;
  /** Kernel tasks published to keep the CPU queue busy, and how many were still queued (purged) at the end. */
  readonly backlog: number;
  readonly purged: number;
  /** The CPU queue never ran dry while the saturated latencies were measured. */
  readonly saturatedThroughout: boolean;
  /** saturated p99 / idle p99. */
  readonly p99Ratio: number;
}

export interface IsolationOptions {
  readonly calls: number;
  readonly warmupCalls: number;
  readonly backlog: number;
  readonly kernelN: number;
  /** Wait for this many kernel completions before measuring (the CPU side is busy by then). */
  readonly busyAfter: number;
  readonly cpuQueue: string;
  readonly publishWindow: number;
}

/**
 * Scenario 4: echo round trips (one in flight) with the CPU queue idle, then again while a
 * backlog of kernel tasks keeps it saturated; the backlog left over is purged and the tasks
 * already delivered are waited for, so the next scenario starts idle.
 */
export async function isolation(client: CpuClient, server: ServerProcess, admin: BrokerAdmin, options: IsolationOptions): Promise<IsolationSample> {
  for (let i = 0; i < options.warmupCalls; i++) await client.echo(i);
  const idle = await sequentialEchoes(client, options.calls);

  const base = (await server.request({ op: 'counts' })).cpu;
  await windowed(options.backlog, options.publishWindow, () => client.enqueueKernel(options.kernelN));
  await (await server.armTotal('cpu', base + options.busyAfter)).done;
  const saturated = await sequentialEchoes(client, options.calls);
  const purged = await admin.purge(options.cpuQueue);
  await (await server.armTotal('cpu', base + options.backlog - purged)).done;

  return { idle, saturated, backlog: options.backlog, purged, saturatedThroughout: purged > 0, p99Ratio: saturated.p99Ms / idle.p99Ms };
}
