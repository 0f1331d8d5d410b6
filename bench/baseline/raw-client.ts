import { randomUUID } from 'node:crypto';
import type { Options } from 'amqplib';
import type { SizeClient } from '../clients/bench-client';
import type { QueueKind } from '../ipc';
import { ConfirmRpcChannel, DIRECT_REPLY_TO } from '../clients/confirm-rpc-channel';
import { RAW_TASKS, rawNames, rawRequestHeaders, type RawReply } from './raw-protocol';

/** The baseline caller on raw amqplib: same properties and broker work as a Warren call. */
export class RawBenchClient implements SizeClient {
  private constructor(
    private readonly rpc: ConfirmRpcChannel,
    private readonly exchange: string,
  ) {}

  static async connect(url: string, namespace: string): Promise<RawBenchClient> {
    return new RawBenchClient(await ConfirmRpcChannel.open(url, `bench raw client ${process.pid}`), rawNames(namespace).exchange);
  }

  enqueueNoop(): Promise<void> {
    return this.publish(RAW_TASKS.noop, [], randomUUID(), undefined);
  }

  echo(value: number): Promise<number> {
    return this.call(RAW_TASKS.echo, value) as Promise<number>;
  }

  size(pool: QueueKind, value: string): Promise<number> {
    return this.call(pool === 'io' ? RAW_TASKS.ioSize : RAW_TASKS.cpuSize, value) as Promise<number>;
  }

  private async call(task: string, value: unknown): Promise<unknown> {
    const id = randomUUID();
    const message = await this.rpc.call(this.exchange, task, Buffer.from(JSON.stringify({ args: [value] })), this.options(task, id, DIRECT_REPLY_TO), id);
    const outcome = JSON.parse(message.content.toString('utf8')) as RawReply;
    if (!outcome.ok) throw new Error(`raw ${task} failed: ${outcome.error}`);
    return outcome.result;
  }

  enqueueKernel(n: number): Promise<void> {
    return this.publish(RAW_TASKS.kernel, [n], randomUUID(), undefined);
  }

  close(): Promise<void> {
    return this.rpc.close();
  }

  private publish(task: string, args: unknown[], id: string, replyTo: string | undefined): Promise<void> {
    return this.rpc.publish(this.exchange, task, Buffer.from(JSON.stringify({ args })), this.options(task, id, replyTo));
  }

  private options(task: string, id: string, replyTo: string | undefined): Options.Publish {
    return {
      persistent: true,
      mandatory: true,
      messageId: id,
      correlationId: id,
      replyTo,
      contentType: 'application/json',
      timestamp: Math.floor(Date.now() / 1000),
      headers: rawRequestHeaders(task),
    };
  }
}
