import { performance } from 'node:perf_hooks';
import type { IoClient } from '../clients/bench-client';
import { percentile } from '../stats';

export interface LatencySample {
  readonly calls: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Every call's round trip, in ms, in call order. */
  readonly latenciesMs: number[];
}

export interface RpcLatencySample extends LatencySample {
  /** The warm-up calls before the measured ones, timed the same way. */
  readonly warmup: LatencySample;
}

/**
 * Scenario 2a: `await client.echo(i)` one call in flight at a time; round trip from the call to the
 * resolved result (publish confirm and reply both in). The measured calls follow `warmupCalls`
 * that are timed too and reported apart: a Node process's first few thousand calls on a path cost
 * it two to three times the CPU of later ones (V8 compiles the path in background threads, the
 * heap grows), and on 2 cores shared with the broker and the caller that shows as a heavier tail.
 */
export async function rpcLatency(client: IoClient, calls: number, warmupCalls: number): Promise<RpcLatencySample> {
  const warmup = await sequentialEchoes(client, warmupCalls);
  return { ...(await sequentialEchoes(client, calls)), warmup };
}

/** `calls` sequential echo round trips, measured one by one. */
export async function sequentialEchoes(client: IoClient, calls: number): Promise<LatencySample> {
  const latenciesMs: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    const value = await client.echo(i);
    latenciesMs.push(performance.now() - t0);
    if (value !== i) throw new Error(`echo(${i}) returned ${String(value)}`);
  }
  return summarize(latenciesMs);
}

export function summarize(latenciesMs: number[]): LatencySample {
  return { calls: latenciesMs.length, p50Ms: percentile(latenciesMs, 50), p99Ms: percentile(latenciesMs, 99), latenciesMs };
}
