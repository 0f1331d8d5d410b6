import { performance } from 'node:perf_hooks';
import type { IoClient } from '../clients/bench-client';
import { windowed } from '../concurrency';

export interface RpcThroughputSample {
  readonly calls: number;
  readonly inFlight: number;
  readonly wallMs: number;
  readonly callsPerSec: number;
}

/** Scenario 2b: `calls` echo RPCs with `inFlight` outstanding at any time; completed calls per second. */
export async function rpcThroughput(client: IoClient, calls: number, inFlight: number, warmupCalls: number): Promise<RpcThroughputSample> {
  await windowed(warmupCalls, inFlight, (i) => client.echo(i));
  const t0 = performance.now();
  await windowed(calls, inFlight, async (i) => {
    const value = await client.echo(i);
    if (value !== i) throw new Error(`echo(${i}) returned ${String(value)}`);
  });
  const wallMs = performance.now() - t0;
  return { calls, inFlight, wallMs, callsPerSec: (calls / wallMs) * 1000 };
}
