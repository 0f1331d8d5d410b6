/**
 * Child process: the baseline consumer, written directly on amqplib. One channel per queue with
 * the same prefetch as Warren's, a plain channel for replies, JSON in and out, ack after the reply.
 * The CPU queue's kernel runs inline on the event loop (no pool): that is what the isolation
 * scenario contrasts with Warren's worker threads. With BENCH_CPU_THREADS set it runs on a bare
 * piscina pool of that many threads instead, as a hand-written amqplib + piscina server would
 * (piscina's defaults otherwise: no priority change, its own atomics): the CPU scenario's baseline.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import amqp, { type Channel, type ConsumeMessage } from 'amqplib';
import { Piscina } from 'piscina';
import type { QueueKind } from '../ipc';
import { fib } from '../jobs/kernel';
import { ChildControl, requiredEnv, runChild } from '../servers/child-control';
import { RAW_QUEUE_TASKS, RAW_REPLY_HEADERS, RAW_TASKS, TASK_HEADER, rawNames, rawScaleQueue, type RawReply, type RawRequest } from './raw-protocol';

type Handler = (...args: unknown[]) => unknown;

function handlersFor(pool: Piscina | undefined): Readonly<Record<string, Handler>> {
  return {
    [RAW_TASKS.noop]: async () => undefined,
    [RAW_TASKS.echo]: async (value) => value,
    [RAW_TASKS.kernel]: pool ? (n) => pool.run(n) : (n) => fib(n as number),
    [RAW_TASKS.ioSize]: async (value) => (value as string).length,
    [RAW_TASKS.cpuSize]: pool ? (value) => pool.run(value) : (value) => (value as string).length,
  };
}

/** bench --scale's queues curve: the extra queues' tasks are no-ops. */
const scaleNoop: Handler = async () => undefined;

function barePool(): Piscina | undefined {
  const threads = Number(process.env.BENCH_CPU_THREADS);
  if (!Number.isInteger(threads) || threads <= 0) return undefined;
  // Worker threads inherit this process's --require warren/register, which compiles the .ts worker.
  return new Piscina({ filename: path.join(__dirname, 'piscina-kernel-worker.ts'), minThreads: threads, maxThreads: threads, idleTimeout: Number.POSITIVE_INFINITY });
}

async function main(): Promise<void> {
  const started = performance.now();
  const pool = barePool();
  const handlers = handlersFor(pool);
  const url = requiredEnv('BENCH_BROKER_URL');
  const names = rawNames(requiredEnv('BENCH_NAMESPACE'));
  const prefetch: Record<QueueKind, number> = { io: Number(requiredEnv('BENCH_IO_PREFETCH')), cpu: Number(requiredEnv('BENCH_CPU_PREFETCH')) };
  const namespace = requiredEnv('BENCH_NAMESPACE');
  const scaleQueues = Array.from({ length: Number(process.env.BENCH_SCALE_QUEUES ?? 0) || 0 }, (_, index) => rawScaleQueue(namespace, index));

  const connection = await amqp.connect(url, { noDelay: true, clientProperties: { connection_name: `bench raw server ${process.pid}` } });
  const setup = await connection.createChannel();
  await setup.assertExchange(names.exchange, 'direct', { durable: true });
  for (const queue of ['io', 'cpu'] as const) {
    await setup.assertQueue(names.queues[queue], { durable: true });
    for (const task of RAW_QUEUE_TASKS[queue]) await setup.bindQueue(names.queues[queue], names.exchange, task);
  }
  for (const { queue, task } of scaleQueues) {
    await setup.assertQueue(queue, { durable: true });
    await setup.bindQueue(queue, names.exchange, task);
  }
  await setup.close();

  const replies = await connection.createChannel();
  let closing = false;
  const control = new ChildControl({
    stop: async () => {
      closing = true;
      await connection.close().catch(() => {});
      await pool?.destroy();
    },
    serialKernel: (n, count) => {
      let checksum = fib(n); // warm-up, not timed
      const t0 = performance.now();
      for (let i = 0; i < count; i++) checksum += fib(n);
      return { wallMs: performance.now() - t0, checksum };
    },
  });

  const consume = async (queue: QueueKind, queueName = names.queues[queue]): Promise<void> => {
    const channel: Channel = await connection.createChannel();
    await channel.prefetch(prefetch[queue]);
    const handle = async (message: ConsumeMessage): Promise<void> => {
      const { properties } = message;
      let reply: RawReply;
      try {
        const task = String(properties.headers?.[TASK_HEADER] ?? message.fields.routingKey);
        const request = JSON.parse(message.content.toString('utf8')) as RawRequest;
        const handler = handlers[task] ?? (task.startsWith('Scale') ? scaleNoop : undefined);
        if (!handler) throw new Error(`unknown task ${task}`);
        reply = { ok: true, result: await handler(...request.args) };
      } catch (error) {
        reply = { ok: false, error: error instanceof Error ? error.message : String(error) };
      }
      if (properties.replyTo) {
        replies.publish('', properties.replyTo as string, Buffer.from(JSON.stringify(reply)), {
          correlationId: properties.correlationId as string | undefined,
          contentType: 'application/json',
          headers: RAW_REPLY_HEADERS,
        });
      }
      channel.ack(message);
      control.completed(queue, reply.ok);
    };
    await channel.consume(queueName, (message) => {
      if (message) void handle(message);
    });
  };
  await consume('io');
  await consume('cpu');
  for (const { queue } of scaleQueues) await consume('io', queue);

  connection.on('close', () => {
    if (closing) return;
    control.fatal(new Error('broker connection lost'));
    process.exit(1);
  });
  control.ready({
    system: pool ? 'piscina' : 'raw',
    pid: process.pid,
    prefetch,
    threads: pool?.options.maxThreads ?? 0,
    startupMs: performance.now() - started,
    declared: { queues: [...Object.values(names.queues), ...scaleQueues.map(({ queue }) => queue)], exchanges: [names.exchange] },
  });
}

runChild('raw', main);
