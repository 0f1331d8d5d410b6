import { RegistryError } from '../errors';
import { isStandardSchema } from '../validation/standard-schema';
import { POOL_KINDS, type MethodOptions, type RunOptions, type TaskOptions } from './task-options';

const RUN_KEYS = ['softTimeLimitMs', 'hardTimeLimitMs', 'retry'] as const;
const RETRY_KEYS = new Set(['maxAttempts', 'initialDelayMs', 'factor', 'maxDelayMs', 'jitter', 'retryOn']);

/** Rejects bad `@Task` options where they are written, so the error points at the decorator. */
export function checkTaskOptions(options: TaskOptions): void {
  const where = `@Task(${describeOptions(options)})`;
  if (typeof options.queue !== 'string' || !/^[A-Za-z0-9_.:-]+$/.test(options.queue)) {
    throw new RegistryError(`${where}: queue must be a non-empty name of letters, digits, '_', '.', ':' or '-'`);
  }
  if (!POOL_KINDS.includes(options.pool)) throw new RegistryError(`${where}: pool must be one of ${POOL_KINDS.join(', ')}`);
  if (options.name !== undefined && !/^[A-Za-z_$][\w$]*$/.test(options.name)) throw new RegistryError(`${where}: name must be an identifier`);
  checkPositiveInt(where, 'concurrency', options.concurrency);
  checkRunOptions(where, options);
  checkKnownKeys(where, options, ['queue', 'pool', 'name', 'concurrency', ...RUN_KEYS]);
}

export function checkMethodOptions(options: MethodOptions, method: string): void {
  const where = `@TaskMethod on ${method}`;
  if (options.args !== undefined && !isStandardSchema(options.args)) {
    throw new RegistryError(`${where}: args must be a Standard Schema (a zod, valibot or arktype schema)`);
  }
  checkRunOptions(where, options);
  checkKnownKeys(where, options, ['args', ...RUN_KEYS]);
}

function checkRunOptions(where: string, options: RunOptions): void {
  checkPositiveInt(where, 'softTimeLimitMs', options.softTimeLimitMs);
  checkPositiveInt(where, 'hardTimeLimitMs', options.hardTimeLimitMs);
  const retry = options.retry;
  if (retry === undefined) return;
  for (const key of Object.keys(retry)) if (!RETRY_KEYS.has(key)) throw new RegistryError(`${where}: unknown retry option '${key}'`);
  checkPositiveInt(where, 'retry.maxAttempts', retry.maxAttempts);
  checkPositiveInt(where, 'retry.initialDelayMs', retry.initialDelayMs);
  checkPositiveInt(where, 'retry.maxDelayMs', retry.maxDelayMs);
  if (retry.factor !== undefined && !(retry.factor >= 1)) throw new RegistryError(`${where}: retry.factor must be at least 1`);
  if (retry.jitter !== undefined && !(retry.jitter >= 0 && retry.jitter <= 1)) throw new RegistryError(`${where}: retry.jitter must be between 0 and 1`);
  if (retry.retryOn !== undefined && typeof retry.retryOn !== 'function' && !Array.isArray(retry.retryOn)) {
    throw new RegistryError(`${where}: retry.retryOn must be a predicate or an array of error classes`);
  }
}

function checkPositiveInt(where: string, key: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value <= 0)) throw new RegistryError(`${where}: ${key} must be a positive integer`);
}

function checkKnownKeys(where: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) if (!known.includes(key)) throw new RegistryError(`${where}: unknown option '${key}'`);
}

function describeOptions(options: TaskOptions): string {
  return `{ queue: ${JSON.stringify(options.queue)}, pool: ${JSON.stringify(options.pool)} }`;
}
