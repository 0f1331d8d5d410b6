import { Worker } from 'node:worker_threads';

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

/** What a CPU worker thread is started with, derived from the main thread's Node options. */
export interface WorkerNodeOptions {
  readonly execArgv: string[];
  /**
   * Flags a worker refuses in its execArgv: V8 and process-wide options (`--max-old-space-size`,
   * `--expose-gc`, `--stack-size`...). V8 keeps one set of flags per process, so threads have them
   * already; passing them again fails the start with ERR_WORKER_INVALID_EXEC_ARGV.
   */
  readonly processWide: string[];
  /** `--max-old-space-size` on the process: it sets every thread's heap limit, over `resourceLimits`. */
  readonly heapLimitFlag: string | undefined;
}

/** The flags of `execArgv` a worker thread refuses, or [] when it takes them all. */
export type ExecArgvProbe = (execArgv: readonly string[]) => string[];

/** Node options for CPU worker threads: the main thread's, less the loaders and the process-wide flags threads have anyway. */
export function workerNodeOptions(execArgv: readonly string[] = process.execArgv, probe: ExecArgvProbe = probeWorkerExecArgv): WorkerNodeOptions {
  const inherited = workerExecArgv(execArgv);
  const processWide = inherited.length === 0 ? [] : probe(inherited);
  return {
    execArgv: inherited.filter((arg) => !processWide.includes(arg)),
    processWide,
    heapLimitFlag: processWide.find((arg) => /^--max[-_]old[-_]space[-_]size=/.test(arg)),
  };
}

/**
 * Asks Node itself which flags a worker refuses, by constructing one (it validates execArgv
 * synchronously, before the thread runs anything) and reading the flags its error names: no list
 * of V8 options to keep up to date. Runs only when the main thread has flags to pass on.
 */
export function probeWorkerExecArgv(execArgv: readonly string[]): string[] {
  let worker: Worker;
  try {
    worker = new Worker('', { eval: true, execArgv: [...execArgv], stdout: true, stderr: true });
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error;
    const listed = /flags: (.*)$/.exec((error as Error).message)?.[1]?.split(', ') ?? [];
    const named = listed.filter((flag) => execArgv.includes(flag));
    if (named.length > 0) return named;
    // A message in another shape: test each flag alone rather than guess.
    return execArgv.length === 1 ? [...execArgv] : execArgv.filter((flag) => probeWorkerExecArgv([flag]).length > 0);
  }
  void worker.terminate();
  return [];
}
