import 'reflect-metadata';
import { injectable } from 'tsyringe';
import { RegistryError } from '../errors';
import { POOL_KINDS, type TaskOptions } from './task-options';

const TASK_METADATA = Symbol.for('warren:task');

/** A class constructor; job classes are resolved from a tsyringe container, so any parameters are allowed. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JobClass<T = unknown> = new (...args: any[]) => T;

/**
 * Marks a class as a job class. Only records metadata and makes the class injectable:
 * discovery happens later, when the runtime scans the job files.
 */
export function Task(options: TaskOptions): ClassDecorator {
  checkTaskOptions(options);
  return (target) => {
    Reflect.defineMetadata(TASK_METADATA, Object.freeze({ ...options }), target);
    injectable()(target as unknown as JobClass);
  };
}

export function getTaskOptions(target: unknown): TaskOptions | undefined {
  if (typeof target !== 'function') return undefined;
  // getOwnMetadata: a subclass of a job class is not a job class unless it says so itself.
  return Reflect.getOwnMetadata(TASK_METADATA, target) as TaskOptions | undefined;
}

/** Rejects bad options where they are written, so the error points at the decorator. */
function checkTaskOptions(options: TaskOptions): void {
  const where = `@Task(${JSON.stringify(options)})`;
  if (typeof options.queue !== 'string' || !/^[A-Za-z0-9_.:-]+$/.test(options.queue)) {
    throw new RegistryError(`${where}: queue must be a non-empty name of letters, digits, '_', '.', ':' or '-'`);
  }
  if (!POOL_KINDS.includes(options.pool)) {
    throw new RegistryError(`${where}: pool must be one of ${POOL_KINDS.join(', ')}`);
  }
  if (options.name !== undefined && !/^[A-Za-z_$][\w$]*$/.test(options.name)) {
    throw new RegistryError(`${where}: name must be an identifier`);
  }
  for (const key of ['concurrency', 'hardTimeLimitMs'] as const) {
    const value = options[key];
    if (value !== undefined && (!Number.isInteger(value) || value <= 0)) {
      throw new RegistryError(`${where}: ${key} must be a positive integer`);
    }
  }
  const known = new Set(['queue', 'pool', 'name', 'concurrency', 'hardTimeLimitMs']);
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new RegistryError(`${where}: unknown option '${key}'`);
  }
}
