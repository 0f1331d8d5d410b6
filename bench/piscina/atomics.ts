/**
 * `node -r @swc-node/register bench/piscina/atomics.ts [calls]`: the round trip of a no-op task
 * through one piscina thread under each `atomics` setting, one call in flight (the case Warren's
 * CPU pool meets with a prefetch of a few tasks per thread), and whether a timer runs in the idle
 * thread. Warren uses 'disabled' so that timers a job sets keep firing between tasks.
 */
import path from 'node:path';
import { Piscina } from 'piscina';

type Atomics = 'sync' | 'async' | 'disabled';

async function roundTripMicros(atomics: Atomics, calls: number): Promise<number> {
  const pool = new Piscina({ filename: path.join(__dirname, 'noop-worker.js'), minThreads: 1, maxThreads: 1, atomics, idleTimeout: Number.POSITIVE_INFINITY });
  try {
    for (let i = 0; i < 2_000; i++) await pool.run(i); // warm-up
    const started = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) await pool.run(i);
    return Number(process.hrtime.bigint() - started) / 1_000 / calls;
  } finally {
    await pool.destroy();
  }
}

async function main(): Promise<void> {
  const calls = Number(process.argv[2] ?? 20_000);
  const rows: string[] = [];
  for (const round of [1, 2, 3]) {
    for (const atomics of ['sync', 'async', 'disabled'] as const) rows.push(`round ${round}  ${atomics.padEnd(8)} ${(await roundTripMicros(atomics, calls)).toFixed(1)} µs per no-op call`);
  }
  process.stdout.write(`${rows.join('\n')}\n`);
}

void main();
