import path from 'node:path';

/** How CPU worker threads compile the TypeScript they load, decided once in the main thread. */
export interface WorkerTypeScript {
  /** SWC options derived from the project's tsconfig, exactly as the main thread's loader derives them. */
  readonly swcOptions: Record<string, unknown>;
}

const FULL_LOADER = '@swc-node/register';

/**
 * The main thread's Node options for a worker that compiles with SWC alone: without the
 * `-r @swc-node/register` a worker would otherwise inherit (and run before anything else).
 */
export function workerExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] as string;
    if ((arg === '-r' || arg === '--require') && execArgv[i + 1] === FULL_LOADER) {
      i++;
      continue;
    }
    if (arg === `--require=${FULL_LOADER}`) continue;
    kept.push(arg);
  }
  return kept;
}

const PLAIN_EXTENSIONS = new Set(['.ts', '.js', '.cjs']);

/**
 * The main thread already runs under `@swc-node/register`, which loads the TypeScript compiler to
 * read tsconfig. A worker that loaded it again paid about 38 MB and 140 ms for it, per thread and
 * per restart. Instead the main thread derives the SWC options once and the worker compiles with
 * SWC alone (see cpu-worker-entry.js). Undefined, and the worker loads `@swc-node/register`
 * itself, when the main thread has no TypeScript loader (compiled code needs none) or a file
 * the workers load is not plain `.ts` (`.tsx`, `.mts`, ...: the full loader handles those).
 */
export function workerTypeScript(files: readonly string[]): WorkerTypeScript | undefined {
  // require.extensions is deprecated, yet the only way to see whether a .ts loader is registered.
  if (!require.extensions['.ts']) return undefined;
  if (!files.every((file) => PLAIN_EXTENSIONS.has(path.extname(file)))) return undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const tsconfig = require(`${FULL_LOADER}/read-default-tsconfig`) as {
      readDefaultTsConfig(): Record<string, unknown>;
      tsCompilerOptionsToSwcConfig(options: Record<string, unknown>, filename: string): Record<string, unknown>;
    };
    // As @swc-node/register does: the project's options, CommonJS modules (1 = ts.ModuleKind.CommonJS).
    const { fallbackToTs: _unused, ...options } = tsconfig.readDefaultTsConfig();
    const swc = tsconfig.tsCompilerOptionsToSwcConfig({ ...options, module: 1 }, 'job.ts');
    // Inline source maps, read by Node itself in the worker: stacks point into the .ts files.
    return { swcOptions: JSON.parse(JSON.stringify({ ...swc, sourcemap: 'inline' })) as Record<string, unknown> };
  } catch {
    return undefined;
  }
}
