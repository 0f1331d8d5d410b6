import { RegistryError } from '../errors';
import { firstProblem, methodOptionsSchema, taskOptionsSchema } from '../options/run-options';
import type { MethodOptions, TaskOptions } from './task-options';

/** Rejects bad `@Task` options where they are written, so the error points at the decorator. */
export function checkTaskOptions(options: TaskOptions): void {
  const problem = firstProblem(taskOptionsSchema, options);
  if (problem) throw new RegistryError(`@Task(${describeOptions(options)}): ${problem}`);
}

export function checkMethodOptions(options: MethodOptions, method: string): void {
  const problem = firstProblem(methodOptionsSchema, options);
  if (problem) throw new RegistryError(`@TaskMethod on ${method}: ${problem}`);
}

function describeOptions(options: TaskOptions): string {
  return `{ queue: ${JSON.stringify(options?.queue)}, pool: ${JSON.stringify(options?.pool)} }`;
}
