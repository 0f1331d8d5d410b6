import type { QueueKind } from '../ipc';
import type { Armed, ServerProcess } from '../servers/server-process';

/** The caller side of one system under test, in the bench process. */
export interface IoClient {
  /** Publishes one no-op I/O task (persistent, mandatory, confirmed); resolves on the broker's confirm. */
  enqueueNoop(): Promise<void>;
  /** One RPC: resolves with the echoed value once the publish is confirmed and the reply arrived. */
  echo(value: number): Promise<number>;
  close(): Promise<void>;
}

export interface CpuClient extends IoClient {
  /** Publishes one kernel task (fib(n)) to the CPU queue; resolves on the confirm. */
  enqueueKernel(n: number): Promise<void>;
}

/** bench --scale's argument-size curve: one call with a string argument to the I/O or the CPU pool; resolves with its length. */
export interface SizeClient extends CpuClient {
  size(pool: QueueKind, value: string): Promise<number>;
}

/** A system under test: its client, and how to learn that tasks completed. */
export interface Target<C extends IoClient = IoClient> {
  readonly system: string;
  readonly client: C;
  /** The server child, when the server is ours to ask (RSS, counts). */
  readonly server?: ServerProcess;
  /** Resolves once armed (publish after that); `done` resolves when `count` more tasks of `queue` completed. */
  arm(queue: QueueKind, count: number): Promise<Armed>;
}

/** A target whose completions are counted by its server child. */
export function serverTarget<C extends IoClient>(system: string, client: C, server: ServerProcess): Target<C> {
  return { system, client, server, arm: (queue, count) => server.arm(queue, count) };
}
