import { RegistryError } from '../errors';
import { firstProblem, runOptionSchemas } from '../options/run-options';
import type { MethodOptions, TaskOptions } from './task-options';

let checking = true;

/**
 * For a CPU thread: it loads job modules the main thread has loaded and checked already, so a
 * bad option has stopped the start before any thread runs, and the thread need not load zod.
 */
export function skipOptionChecks(): void {
  checking = false;
}

/** Rejects bad `@Task` options where they are written, so the error points at the decorator. */
export function checkTaskOptions(options: TaskOptions): void {
  if (!checking) return;
  const problem = firstProblem(runOptionSchemas().taskOptionsSchema, options);
  if (problem) throw new RegistryError(`@Task(${describeOptions(options)}): ${problem}`);
}

export function checkMethodOptions(options: MethodOptions, method: string): void {
  if (!checking) return;
  const problem = firstProblem(runOptionSchemas().methodOptionsSchema, options);
  if (problem) throw new RegistryError(`@TaskMethod on ${method}: ${problem}`);
}

function describeOptions(options: TaskOptions): string {
  return `{ queue: ${JSON.stringify(options?.queue)}, pool: ${JSON.stringify(options?.pool)} }`;
}
