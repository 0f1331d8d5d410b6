import 'reflect-metadata';
import { injectable } from 'tsyringe';
import { RegistryError } from '../errors';
import { checkMethodOptions, checkTaskOptions } from './check-options';
import type { MethodOptions, TaskOptions } from './task-options';

const TASK_METADATA = Symbol.for('warren:task');
const METHOD_METADATA = Symbol.for('warren:task-methods');

/** A class constructor; job classes are resolved from a tsyringe container, so any parameters are allowed. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JobClass<T = unknown> = new (...args: any[]) => T;

/**
 * Marks a class as a job class. Only records metadata and makes the class injectable:
 * discovery happens later, when the runtime scans the job files.
 */
export function Task(options: TaskOptions): ClassDecorator {
  checkTaskOptions(options);
  return (target, ...rest: unknown[]) => {
    refuseStandardDecorators(rest[0], `@Task on ${(target as { name?: string }).name ?? 'a class'}`);
    Reflect.defineMetadata(TASK_METADATA, Object.freeze({ ...options }), target);
    injectable()(target as unknown as JobClass);
  };
}

/** Options for one task method: an argument schema, limits or a retry policy that differ from the class's. */
export function TaskMethod(options: MethodOptions): MethodDecorator {
  return (target, propertyKey) => {
    refuseStandardDecorators(propertyKey, '@TaskMethod');
    const method = String(propertyKey);
    checkMethodOptions(options, `${(target as { constructor: { name: string } }).constructor.name}.${method}`);
    const owner = (target as { constructor: object }).constructor;
    const existing = (Reflect.getOwnMetadata(METHOD_METADATA, owner) ?? {}) as Record<string, MethodOptions>;
    Reflect.defineMetadata(METHOD_METADATA, { ...existing, [method]: Object.freeze({ ...options }) }, owner);
  };
}

/**
 * Code compiled without experimentalDecorators calls a decorator with the standard (TC39)
 * signature, (value, context), and gives no constructor metadata: injection could only fail
 * later, and obscurely. Say so where the class is declared.
 */
function refuseStandardDecorators(second: unknown, where: string): void {
  if (typeof second === 'object' && second !== null && 'kind' in second) {
    throw new RegistryError(
      `${where} was compiled as a standard decorator. Warren's decorators, like tsyringe's, are TypeScript's experimental ones: ` +
        'set "experimentalDecorators": true and "emitDecoratorMetadata": true in tsconfig.json, or let Warren compile the .ts files itself (warren start, warren dev, warren run).',
    );
  }
}

export function getTaskOptions(target: unknown): TaskOptions | undefined {
  if (typeof target !== 'function') return undefined;
  // getOwnMetadata: a subclass of a job class is not a job class unless it says so itself.
  return Reflect.getOwnMetadata(TASK_METADATA, target) as TaskOptions | undefined;
}

/** The `@TaskMethod` options of a method, looked up along the class's prototype chain. */
export function getMethodOptions(target: JobClass, method: string): MethodOptions | undefined {
  for (let current: unknown = target; typeof current === 'function' && current !== Function.prototype; current = Object.getPrototypeOf(current)) {
    const options = (Reflect.getOwnMetadata(METHOD_METADATA, current) as Record<string, MethodOptions> | undefined)?.[method];
    if (options) return options;
  }
  return undefined;
}
