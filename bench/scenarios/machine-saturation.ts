import { spawn } from 'node:child_process';
import type { IoClient } from '../clients/bench-client';
import type { Cleanup } from '../cleanup';
import { sleep } from '../concurrency';
import { sequentialEchoes, type LatencySample } from './rpc-latency';

/**
 * The machine's own floor for scenario 4: echo round trips while an unrelated process keeps
 * `threads` threads busy with the same kernel. A server that is not involved at all sees this
 * much tail latency when the cores are saturated; Warren's saturated figures compare with it.
 */
export async function echoesUnderCpuHog(client: IoClient, calls: number, threads: number, kernelN: number, cleanup: Cleanup): Promise<LatencySample> {
  const kernel = `function fib(n){return n<2?n:fib(n-1)+fib(n-2)} for(;;) fib(${kernelN});`;
  const source = `const { Worker } = require('node:worker_threads'); for (let i = 0; i < ${threads}; i++) new Worker(${JSON.stringify(kernel)}, { eval: true }); setInterval(() => {}, 1 << 30); process.on('disconnect', () => process.exit(0));`;
  const hog = spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => hog.once('exit', () => resolve()));
  const kill = (): void => {
    if (hog.exitCode === null && hog.signalCode === null) hog.kill('SIGKILL');
  };
  const forget = cleanup.add('cpu hog', async () => kill(), kill);
  try {
    await sleep(300); // its threads are up and spinning
    return await sequentialEchoes(client, calls);
  } finally {
    kill();
    await exited;
    forget();
  }
}
