import type { Logger } from 'pino';
import { describe } from '../errors';
import type { TopologyNames } from '../topology/topology';
import type { Transport } from '../transport/transport';

/** A backlog that came through the binding before it went does not ask again sooner than this. */
const RECHECK_MS = 5_000;

/**
 * Removes the binding that sends a task to a queue where this runtime knows it does not belong:
 * a task moved to another queue leaves its old binding behind (RabbitMQ keeps bindings), and every
 * call would otherwise be copied to both queues. Only a runtime that has bound the task to its new
 * queue removes the old binding, so no message, retry or hand-back is left with nowhere to go.
 */
export class StaleBindings {
  private readonly removedAt = new Map<string, number>();
  private readonly removing = new Set<string>();

  constructor(
    private readonly transport: Transport,
    private readonly names: TopologyNames,
    private readonly logger: Logger,
  ) {}

  /**
   * Fire and forget: a failure is logged, and the next stale delivery tries again. A message
   * published after the last removal means the binding is back (an old runtime declared it again
   * on reconnecting), so it goes again at once.
   */
  remove(staleQueue: string, task: string, servingQueue: string, publishedAt: number | undefined): void {
    const key = `${staleQueue}\n${task}`;
    if (this.removing.has(key)) return;
    const removedAt = this.removedAt.get(key);
    if (removedAt !== undefined && Date.now() - removedAt < RECHECK_MS && (publishedAt === undefined || publishedAt <= removedAt)) return;
    this.removing.add(key);
    const queue = this.names.workQueue(staleQueue);
    const serving = this.names.workQueue(servingQueue);
    this.transport
      .unbind({ queue, exchange: this.names.tasksExchange, routingKey: task })
      .then(() => {
        this.removedAt.set(key, Date.now());
        this.logger.warn(
          { task, queue, servingQueue: serving },
          `removed the binding of ${task} to ${queue}: this runtime serves it on ${serving} (the task moved between queues); its messages still on ${queue} are forwarded there`,
        );
      })
      .catch((error: unknown) => this.logger.error({ err: error, task, queue }, `could not remove the stale binding of ${task} to ${queue}: ${describe(error)}`))
      .finally(() => this.removing.delete(key));
  }
}
