import { execFileSync, spawn } from 'node:child_process';
import type { IoClient } from '../clients/bench-client';
import type { Cleanup } from '../cleanup';
import { sleep } from '../concurrency';
import { sequentialEchoes, type LatencySample } from './rpc-latency';

/**
 * The machine's own floor for scenario 4: echo round trips while an unrelated process keeps
 * `threads` threads busy with the same kernel. A server that is not involved at all sees this
 * much tail latency when the cores are saturated; Warren's saturated figures compare with it.
 *
 * `priority: 'idle'` runs the unrelated threads as Warren runs its CPU workers (SCHED_IDLE, nice
 * 19, through chrt): the least tail that low-priority CPU work can leave on this kernel and
 * machine. Undefined when chrt is missing.
 */
export async function echoesUnderCpuHog(
  client: IoClient,
  calls: number,
  threads: number,
  kernelN: number,
  cleanup: Cleanup,
  priority: 'normal' | 'idle' = 'normal',
): Promise<LatencySample | undefined> {
  if (priority === 'idle' && !hasChrt()) return undefined;
  const kernel = `function fib(n){return n<2?n:fib(n-1)+fib(n-2)} for(;;) fib(${kernelN});`;
  const source = `const { Worker } = require('node:worker_threads'); for (let i = 0; i < ${threads}; i++) new Worker(${JSON.stringify(kernel)}, { eval: true }); setInterval(() => {}, 1 << 30); process.on('disconnect', () => process.exit(0));`;
  const command = priority === 'idle' ? ['chrt', ['--idle', '0', 'nice', '-n', '19', process.execPath, '-e', source]] as const : [process.execPath, ['-e', source]] as const;
  const hog = spawn(command[0], command[1], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
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

function hasChrt(): boolean {
  try {
    execFileSync('chrt', ['--version'], { stdio: 'ignore', timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}
