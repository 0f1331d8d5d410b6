import { performance } from 'node:perf_hooks';
import { windowed } from '../concurrency';
import type { QueueKind } from '../ipc';
import { say } from '../log';
import { percentile } from '../stats';
import { CPU_THREADS, SYSTEMS, connectScaleClient, inTurn, startScaleServer, type ScaleContext } from './scale-context';
import { callsForSize } from './scale-options';
import { formatX, type ScaleCurve, type ScalePoint, type ScaleSystem } from './scale-report';

/** Calls in flight for the throughput half: enough to fill the CPU queue's prefetch (2 × threads). */
const IN_FLIGHT = 2 * CPU_THREADS;

/**
 * Argument size: a string of `size` bytes as the one argument of a task on the I/O and on the CPU
 * pool, which returns its length. Round trip: p50 of sequential calls. Throughput: calls per
 * second with IN_FLIGHT in flight. The CPU pool's extra over the I/O pool at the same size is the
 * copy into a worker thread (a structured clone) and back.
 */
export async function argumentSizeCurves(context: ScaleContext): Promise<ScaleCurve[]> {
  const curves = new Map<string, Record<ScaleSystem, ScalePoint[]>>();
  const series = (key: string): Record<ScaleSystem, ScalePoint[]> => {
    let found = curves.get(key);
    if (!found) curves.set(key, (found = { warren: [], raw: [] }));
    return found;
  };
  for (const [order, system] of SYSTEMS.entries()) {
    const namespace = `${context.runId}-args-${system}`;
    const { stop } = await startScaleServer(context, system, namespace);
    const client = await connectScaleClient(context, system, namespace);
    try {
      for (const [index, size] of context.options.argumentSizes.entries()) {
        const value = 'x'.repeat(size);
        for (const pool of inTurn(index + order, ['io', 'cpu'] as QueueKind[])) {
          const calls = callsForSize(size, context.options.argumentBudgetBytes);
          for (let i = 0; i < 3; i++) await client.size(pool, value); // warm-up
          const latencies: number[] = [];
          for (let i = 0; i < calls; i++) {
            const t0 = performance.now();
            const length = await client.size(pool, value);
            latencies.push(performance.now() - t0);
            if (length !== size) throw new Error(`${system} ${pool} size(${size}) returned ${length}`);
          }
          const t0 = performance.now();
          await windowed(calls, IN_FLIGHT, () => client.size(pool, value));
          const callsPerSec = (calls / (performance.now() - t0)) * 1000;
          const p50Ms = percentile(latencies, 50);
          series(`${pool}-rtt`)[system].push({ x: size, y: p50Ms });
          series(`${pool}-rate`)[system].push({ x: size, y: callsPerSec });
          context.details.push({ scenario: 'argument-size', system, x: size, data: { pool, calls, p50Ms, p99Ms: percentile(latencies, 99), callsPerSec, inFlight: IN_FLIGHT } });
          say(`scale argument ${formatX(size, 'bytes')} to the ${pool} pool: ${system} round trip p50 ${p50Ms.toFixed(2)} ms, ${callsPerSec.toFixed(0)} calls/s with ${IN_FLIGHT} in flight`);
        }
      }
    } finally {
      await client.close();
      await stop();
    }
  }
  const base = { scenario: 'argument-size', xLabel: 'argument size (one string)', xFormat: 'bytes' as const };
  const empty = { warren: [], raw: [] };
  return [
    { ...base, id: 'args-io-rtt', title: 'Round trip p50, I/O pool', unit: 'ms', better: 'lower', digits: 2, series: curves.get('io-rtt') ?? empty },
    { ...base, id: 'args-cpu-rtt', title: 'Round trip p50, CPU pool', unit: 'ms', better: 'lower', digits: 2, series: curves.get('cpu-rtt') ?? empty },
    { ...base, id: 'args-io-rate', title: `Throughput, I/O pool, ${IN_FLIGHT} in flight`, unit: 'calls/s', better: 'higher', digits: 0, series: curves.get('io-rate') ?? empty },
    { ...base, id: 'args-cpu-rate', title: `Throughput, CPU pool, ${IN_FLIGHT} in flight`, unit: 'calls/s', better: 'higher', digits: 0, series: curves.get('cpu-rate') ?? empty },
  ];
}
