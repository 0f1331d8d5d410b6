/**
 * The baseline's own minimal message format: what a hand-written amqplib service would do.
 * Same broker work as Warren: a durable direct exchange routing by task name to durable queues,
 * persistent messages published mandatory with confirms, JSON bodies, replies via direct reply-to.
 */
import type { QueueKind } from '../ipc';

/**
 * The headers each request carries: the fields a Warren request needs (protocol and task; a first
 * attempt carries no attempt header), so both sides publish, route and deliver comparable
 * messages. What Warren adds on top (the publish time; a trace context when the caller is in a
 * trace) is Warren's own cost.
 */
export const TASK_HEADER = 'x-warren-task';

export function rawRequestHeaders(task: string): Record<string, unknown> {
  return { 'x-warren-protocol': 1, [TASK_HEADER]: task };
}

export const RAW_REPLY_HEADERS: Readonly<Record<string, unknown>> = { 'x-warren-protocol': 1 };

export const RAW_TASKS = {
  noop: 'BenchIo.noop',
  echo: 'BenchIo.echo',
  kernel: 'BenchCpu.kernel',
  ioSize: 'BenchIo.size',
  cpuSize: 'BenchCpu.size',
} as const;

export const RAW_QUEUE_TASKS: Readonly<Record<QueueKind, readonly string[]>> = {
  io: [RAW_TASKS.noop, RAW_TASKS.echo, RAW_TASKS.ioSize],
  cpu: [RAW_TASKS.kernel, RAW_TASKS.cpuSize],
};

export function rawNames(namespace: string): { exchange: string; queues: Record<QueueKind, string> } {
  return { exchange: `${namespace}.tasks`, queues: { io: `${namespace}.bench-io`, cpu: `${namespace}.bench-cpu` } };
}

/** bench --scale's queues curve: the i-th extra queue and its one task, named as Warren names them (jobs/scale-jobs.ts). */
export function rawScaleQueue(namespace: string, index: number): { queue: string; task: string } {
  return { queue: `${namespace}.scale-${index}`, task: `Scale${index}.noop` };
}

export interface RawRequest {
  readonly args: unknown[];
}

export type RawReply = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: string };
