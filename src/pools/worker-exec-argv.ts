/** Loader flags a worker must not inherit: each worker thread registers Warren's own hook (cpu-worker-entry.js). */
const LOADERS = new Set(['@swc-node/register', 'warren/register']);

/**
 * The main thread's Node options for a CPU worker, less the TypeScript loaders: a worker that
 * preloaded `@swc-node/register` would load the TypeScript compiler into every thread.
 */
export function workerExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] as string;
    if ((arg === '-r' || arg === '--require') && LOADERS.has(execArgv[i + 1] ?? '')) {
      i++;
      continue;
    }
    const inline = /^--require=(.*)$/.exec(arg);
    if (inline && LOADERS.has(inline[1] as string)) continue;
    kept.push(arg);
  }
  return kept;
}
