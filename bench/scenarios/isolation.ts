import type { BrokerAdmin } from '../admin';
import type { CpuClient } from '../clients/bench-client';
import { windowed } from '../concurrency';
import type { ServerProcess } from '../servers/server-process';
import { sequentialEchoes, summarize, type LatencySample } from './rpc-latency';

export interface IsolationSample {
  readonly idle: LatencySample;
  readonly saturated: LatencySample;
  /** The phases in the order they ran, each `calls / (2 × pairs)` echoes. */
  readonly order: ReadonlyArray<'idle' | 'saturated'>;
  /** Kernel tasks published to keep the CPU queue busy, and how many were still queued (purged) at the end of each saturated phase. */
  readonly backlog: number;
  readonly purged: number;
  /** The CPU queue never ran dry while the saturated latencies were measured. */
  readonly saturatedThroughout: boolean;
  /** saturated p99 / idle p99. */
  readonly p99Ratio: number;
}

export interface IsolationOptions {
  /** Echoes with the CPU queue idle, and as many with it saturated. */
  readonly calls: number;
  readonly warmupCalls: number;
  /** Idle and saturated phases alternate as idle, saturated, saturated, idle, … in this many pairs. */
  readonly pairs: number;
  /** Kernel tasks published for each saturated phase. */
  readonly backlogPerPhase: number;
  readonly kernelN: number;
  /** Wait for this many kernel completions before measuring (the CPU side is busy by then). */
  readonly busyAfter: number;
  readonly cpuQueue: string;
  readonly publishWindow: number;
}

/**
 * Scenario 4: echo round trips (one in flight) with the CPU queue idle, and while a backlog of
 * kernel tasks keeps it saturated. The two conditions alternate in short phases (idle, saturated,
 * saturated, idle, …) rather than running one after the other: this machine's own background
 * noise drifts over seconds, and in one long phase each it landed on one side of the ratio only
 * (idle p99 moved between 0.8 and 2.6 ms from run to run). After each saturated phase the backlog
 * left over is purged and the tasks already delivered are waited for, so the next phase starts idle.
 */
export async function isolation(client: CpuClient, server: ServerProcess, admin: BrokerAdmin, options: IsolationOptions): Promise<IsolationSample> {
  for (let i = 0; i < options.warmupCalls; i++) await client.echo(i);
  const perPhase = Math.ceil(options.calls / (2 * options.pairs));
  const order = alternating(options.pairs);
  const idle: number[] = [];
  const saturated: number[] = [];
  let purged = 0;
  let ranDry = false;
  for (const phase of order) {
    if (phase === 'idle') {
      idle.push(...(await sequentialEchoes(client, perPhase)).latenciesMs);
      continue;
    }
    const base = (await server.request({ op: 'counts' })).cpu;
    await windowed(options.backlogPerPhase, options.publishWindow, () => client.enqueueKernel(options.kernelN));
    await (await server.armTotal('cpu', base + options.busyAfter)).done;
    saturated.push(...(await sequentialEchoes(client, perPhase)).latenciesMs);
    const left = await admin.purge(options.cpuQueue);
    if (left === 0) ranDry = true;
    purged += left;
    await (await server.armTotal('cpu', base + options.backlogPerPhase - left)).done;
  }
  const idleSample = summarize(idle);
  const saturatedSample = summarize(saturated);
  return {
    idle: idleSample,
    saturated: saturatedSample,
    order,
    backlog: options.backlogPerPhase * options.pairs,
    purged,
    saturatedThroughout: !ranDry,
    p99Ratio: saturatedSample.p99Ms / idleSample.p99Ms,
  };
}

/** idle, saturated, saturated, idle, idle, saturated, …: each condition as often first as second. */
function alternating(pairs: number): Array<'idle' | 'saturated'> {
  const order: Array<'idle' | 'saturated'> = [];
  for (let pair = 0; pair < pairs; pair++) order.push(...(pair % 2 === 0 ? (['idle', 'saturated'] as const) : (['saturated', 'idle'] as const)));
  return order;
}
