/** Per-call options: `proxy.method.with({ timeoutMs })(...args)`. */
export interface CallOptions {
  /** How long to wait for the reply. Default: the client's `rpcTimeoutMs`. */
  readonly timeoutMs?: number;
  /** Runs in all for this call, overriding the task's retry policy (1: no retry). */
  readonly maxAttempts?: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyMethod = (...args: any[]) => any;

/** The public methods of a job class: its tasks. Names starting with `_` are not tasks. */
export type TaskMethodName<T> = {
  [K in keyof T]: T[K] extends AnyMethod ? (K extends `_${string}` ? never : K) : never;
}[keyof T] &
  string;

/** One task as the caller sees it: call it for its result, or enqueue it and get its id. */
export interface RemoteTask<F extends AnyMethod> {
  (...args: Parameters<F>): Promise<Awaited<ReturnType<F>>>;
  /** Publishes the task without waiting for a result; resolves with the task id once the broker confirmed it. */
  enqueue(...args: Parameters<F>): Promise<string>;
  /** The same call with per-call options; `.enqueue` on it publishes without waiting. */
  with(options: CallOptions): ((...args: Parameters<F>) => Promise<Awaited<ReturnType<F>>>) & { enqueue(...args: Parameters<F>): Promise<string> };
}

/**
 * A job class seen from a caller: every task method, typed from the class, returning promises.
 * Arguments and results travel as JSON.
 */
export type TaskProxy<T> = {
  readonly [K in TaskMethodName<T>]: T[K] extends AnyMethod ? RemoteTask<T[K]> : never;
};
