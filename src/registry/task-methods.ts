import type { JobClass } from '../decorators/task';

/**
 * The methods of a job class that are tasks: every method on its prototype chain except the
 * constructor, accessors and names starting with `_`. TypeScript's `private` is invisible at run
 * time, so helpers that must not be tasks use `#private` methods or a leading underscore.
 */
export function taskMethodNames(jobClass: JobClass): string[] {
  const names = new Set<string>();
  for (let proto = jobClass.prototype as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (key === 'constructor' || key.startsWith('_')) continue;
      const descriptor = Object.getOwnPropertyDescriptor(proto, key);
      if (descriptor && typeof descriptor.value === 'function') names.add(key);
    }
  }
  return [...names].sort();
}
