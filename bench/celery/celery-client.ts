import { randomUUID } from 'node:crypto';
import type { ConsumeMessage } from 'amqplib';
import type { IoClient, Target } from '../clients/bench-client';
import { ConfirmRpcChannel, DIRECT_REPLY_TO } from '../clients/confirm-rpc-channel';
import { CELERY_TASKS, celeryTaskMessage, type CeleryResult } from './celery-protocol';

/**
 * Calls a Celery worker from the bench process with the baseline's raw amqplib caller, speaking
 * Celery's protocol. With the rpc:// backend every task's result is published to the caller's
 * reply_to (as `task.delay()` does), so completed tasks are counted from their results here.
 */
export class CeleryBenchClient implements IoClient {
  private completed = 0;
  private failed = 0;
  private arms: Array<{ target: number; resolve: () => void }> = [];

  private constructor(
    private readonly rpc: ConfirmRpcChannel,
    private readonly queue: string,
  ) {
    rpc.onUnclaimedReply = (message) => this.onResult(message);
  }

  static async connect(url: string, queue: string): Promise<CeleryBenchClient> {
    return new CeleryBenchClient(await ConfirmRpcChannel.open(url, `bench celery client ${process.pid}`), queue);
  }

  /** Tasks whose result said anything but SUCCESS. */
  get failures(): number {
    return this.failed;
  }

  target(system: string): Target<CeleryBenchClient> {
    return { system, client: this, arm: async (_queue, count) => ({ done: this.arm(count) }) };
  }

  enqueueNoop(): Promise<void> {
    const { body, options } = celeryTaskMessage(CELERY_TASKS.noop, randomUUID(), [], DIRECT_REPLY_TO);
    return this.rpc.publish(this.queue, this.queue, body, options);
  }

  async echo(value: number): Promise<number> {
    const id = randomUUID();
    const { body, options } = celeryTaskMessage(CELERY_TASKS.echo, id, [value], DIRECT_REPLY_TO);
    const message = await this.rpc.call(this.queue, this.queue, body, options, id);
    const result = JSON.parse(message.content.toString('utf8')) as CeleryResult;
    if (result.status !== 'SUCCESS') throw new Error(`celery echo ended ${result.status}: ${JSON.stringify(result.result)}`);
    return result.result as number;
  }

  close(): Promise<void> {
    return this.rpc.close();
  }

  private arm(count: number): Promise<void> {
    const target = this.completed + count;
    return new Promise((resolve) => this.arms.push({ target, resolve }));
  }

  private onResult(message: ConsumeMessage): void {
    const result = JSON.parse(message.content.toString('utf8')) as CeleryResult;
    if (result.status !== 'SUCCESS') this.failed++;
    this.completed++;
    if (this.arms.length === 0) return;
    const due = this.arms.filter((arm) => arm.target <= this.completed);
    if (due.length === 0) return;
    this.arms = this.arms.filter((arm) => !due.includes(arm));
    for (const arm of due) arm.resolve();
  }
}
