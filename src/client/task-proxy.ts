/** Per-call options: `proxy.method.with({ timeoutMs })(...args)`. */
export interface CallOptions {
  /** How long to wait for the reply. Default: the client's `rpcTimeoutMs`. */
  readonly timeoutMs?: number;
  /** Runs in all for this call (1: no retry); at most the task's own `retry.maxAttempts`. */
  readonly maxAttempts?: number;
  /**
   * A task not started this long after the call is not run (counted as `expired`). An awaited
   * call always carries its `timeoutMs` as one, since nobody waits for it afterwards; `enqueue`
   * carries one only when given. Compared with the runtime's clock: keep hosts' clocks in sync.
   * For a delayed call it counts from the due time, as `timeoutMs` does.
   */
  readonly expiresInMs?: number;
  /**
   * Start the task this long after the call (a countdown), at most a year. It waits in the
   * broker, not in any process: it survives restarts of the caller, the runtimes and the broker.
   */
  readonly delayMs?: number;
  /** Start the task at this time (an ETA; a time past means now). Not with `delayMs`. */
  readonly at?: Date | number;
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
