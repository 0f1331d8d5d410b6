import { types } from 'node:util';

/** Deeper than this a structured clone (to and from a CPU worker) overflows the stack, near 3,300 levels. */
export const MAX_DEPTH = 1_000;

/**
 * Why `value` cannot travel as a task's result, or undefined if it can. A result crosses a thread
 * by structured clone (CPU pool) and reaches its caller as JSON (both pools), and either would
 * fail or quietly change it: a function or a symbol cannot be cloned and JSON drops it, JSON
 * throws on a BigInt and on a cycle, turns a Map or a Set into `{}`, and a clone that nests past
 * the stack kills the worker thread that sends it. `undefined` in an object or an array, which
 * JSON drops or makes null, is let through: it is what a caller expects anyway.
 *
 * An explicit stack, not recursion: the value may be deeper than the stack. Primitives return at
 * once; this runs for every task.
 */
export function unsendable(value: unknown): string | undefined {
  const first = problemOf(value);
  if (first !== undefined || typeof value !== 'object' || value === null) return first;
  const ancestors = new Set<object>();
  const walked = new Set<object>(); // shared, not cyclic: walked once
  const stack: Frame[] = [{ value, parent: undefined, key: '', depth: 0, entered: false }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as Frame;
    if (top.entered) {
      ancestors.delete(top.value);
      walked.add(top.value);
      stack.pop();
      continue;
    }
    top.entered = true;
    if (top.depth >= MAX_DEPTH) return `it is nested deeper than ${MAX_DEPTH} levels`;
    ancestors.add(top.value);
    // JSON calls toJSON (a Date's, a class's): what that returns is what travels. Typed arrays hold numbers.
    if (typeof (top.value as { toJSON?: unknown }).toJSON === 'function' || ArrayBuffer.isView(top.value)) continue;
    const isArray = Array.isArray(top.value);
    const keys = isArray ? undefined : Object.keys(top.value);
    const length = isArray ? (top.value as unknown[]).length : (keys as string[]).length;
    for (let i = 0; i < length; i++) {
      const item = isArray ? (top.value as unknown[])[i] : (top.value as Record<string, unknown>)[(keys as string[])[i] as string];
      const key = isArray ? `[${i}]` : `.${(keys as string[])[i]}`;
      const problem = problemOf(item);
      if (problem !== undefined) return `${problem} (at ${pathOf(top)}${key})`;
      if (typeof item !== 'object' || item === null || walked.has(item)) continue;
      if (ancestors.has(item)) return `it refers to itself (at ${pathOf(top)}${key}), and JSON cannot encode a cycle`;
      stack.push({ value: item, parent: top, key, depth: top.depth + 1, entered: false });
    }
  }
  return undefined;
}

interface Frame {
  readonly value: object;
  readonly parent: Frame | undefined;
  /** In the parent, as `.key` or `[3]`. */
  readonly key: string;
  readonly depth: number;
  entered: boolean;
}

/** Built only for the message: `result.items[3].cb`. */
function pathOf(frame: Frame | undefined): string {
  let path = '';
  for (let at = frame; at; at = at.parent) path = at.key + path;
  return `result${path}`;
}

function problemOf(value: unknown): string | undefined {
  switch (typeof value) {
    case 'function':
      return 'functions cannot be cloned or sent as JSON';
    case 'symbol':
      return 'symbols cannot be cloned or sent as JSON';
    case 'bigint':
      return 'JSON cannot encode a BigInt (send it as a string)';
    case 'object':
      if (value === null) return undefined;
      if (types.isMap(value) || types.isSet(value)) return `JSON would turn a ${types.isMap(value) ? 'Map' : 'Set'} into {} (send an array or an object)`;
      if (types.isPromise(value)) return 'a Promise cannot be sent (await it)';
      if (types.isProxy(value)) return 'a Proxy cannot be cloned';
      if (value instanceof WeakMap || value instanceof WeakSet || value instanceof WeakRef) return `a ${value.constructor.name} cannot be cloned or sent as JSON`;
      return undefined;
    default:
      return undefined;
  }
}
