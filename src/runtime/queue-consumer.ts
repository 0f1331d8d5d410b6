import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { UnknownTaskError } from '../errors';
import { HEADERS } from '../protocol/headers';
import { serializeError } from '../protocol/serialized-error';
import { encodeTaskReply, type TaskOutcome } from '../protocol/task-reply';
import { decodeTaskRequest, peekTaskIdentity } from '../protocol/task-request';
import type { Pool } from '../pools/pool';
import type { TaskRegistry } from '../registry/task-registry';
import type { Delivery, Subscription, Transport } from '../transport/transport';
import type { QueuePlan } from './queue-plan';
import type { TaskEvent } from './task-event';

export interface QueueConsumerDeps {
  readonly plan: QueuePlan;
  readonly pool: Pool;
  readonly registry: TaskRegistry;
  readonly transport: Transport;
  readonly deadLetterExchange: string;
  readonly maxPayloadBytes: number;
  readonly runtimeId: string;
  readonly logger: Logger;
  readonly onTask: (event: TaskEvent) => void;
}

interface InFlight {
  readonly delivery: Delivery;
  settled: boolean;
}

/**
 * Serves one queue: decodes each delivery, dispatches it by task name to the queue's pool,
 * replies to the caller, and only then acknowledges. What cannot be run goes to the queue's
 * dead-letter queue with the reason, and a waiting caller is told why.
 */
export class QueueConsumer {
  private subscription: Subscription | undefined;
  private readonly inFlight = new Set<InFlight>();
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly deps: QueueConsumerDeps) {}

  get running(): number {
    return this.inFlight.size;
  }

  async start(): Promise<void> {
    const { plan, transport } = this.deps;
    this.subscription = await transport.consume(plan.brokerQueue, plan.prefetch, (delivery) => void this.handle(delivery));
  }

  /** Stops taking new deliveries; those in flight go on. */
  async stopConsuming(): Promise<void> {
    await this.subscription?.cancel();
    this.subscription = undefined;
  }

  /** Resolves once nothing is in flight. */
  whenIdle(): Promise<void> {
    if (this.inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Gives what is still running back to the broker for another runtime; returns how many. */
  requeueInFlight(): number {
    let count = 0;
    for (const entry of this.inFlight) {
      if (entry.settled) continue;
      entry.settled = true;
      entry.delivery.nack(true);
      count++;
    }
    return count;
  }

  private async handle(delivery: Delivery): Promise<void> {
    const entry: InFlight = { delivery, settled: false };
    this.inFlight.add(entry);
    try {
      await this.process(entry);
    } catch (error) {
      // A bug or a broker failure while replying: the message goes back rather than vanishing.
      this.deps.logger.error({ err: error, queue: this.deps.plan.brokerQueue }, 'delivery handling failed; message requeued');
      this.settle(entry, 'requeue');
    } finally {
      this.inFlight.delete(entry);
      if (this.inFlight.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private async process(entry: InFlight): Promise<void> {
    const { delivery } = entry;
    const { plan, pool, registry, maxPayloadBytes } = this.deps;
    const started = performance.now();
    let request;
    try {
      request = decodeTaskRequest(delivery.body, delivery.properties, maxPayloadBytes);
    } catch (error) {
      return this.deadLetter(entry, error, started);
    }
    const definition = registry.get(request.task);
    if (!definition || definition.queue !== plan.queue.name) {
      return this.deadLetter(entry, new UnknownTaskError(request.task), started);
    }

    const { outcome, threadId } = await pool.run({ taskId: request.id, definition, args: request.args });
    if (entry.settled) return; // requeued by a shutdown that could not wait any longer
    if (request.replyTo) await this.reply(request.replyTo, request.id, outcome);
    this.settle(entry, 'ack');
    this.report({
      taskId: request.id,
      task: request.task,
      queue: plan.queue.name,
      pool: plan.pool,
      outcome: outcome.ok ? 'succeeded' : 'failed',
      durationMs: performance.now() - started,
      threadId,
      attempt: request.attempt,
      error: outcome.ok ? undefined : outcome.error,
    });
  }

  /** Publishes a copy to the dead-letter queue with the reason in its headers, then acks the original. */
  private async deadLetter(entry: InFlight, error: unknown, started: number): Promise<void> {
    const { delivery } = entry;
    const { plan, transport, deadLetterExchange, runtimeId } = this.deps;
    const identity = peekTaskIdentity(delivery.properties);
    const reason = serializeError(error);
    const headers = {
      ...delivery.properties.headers,
      [HEADERS.deadReason]: reason.message,
      [HEADERS.deadErrorName]: reason.name,
      [HEADERS.deadAt]: new Date().toISOString(),
      [HEADERS.deadRuntime]: runtimeId,
      [HEADERS.deadQueue]: plan.brokerQueue,
    };
    const routed = await transport
      .publish(deadLetterExchange, plan.queue.name, delivery.body, { ...delivery.properties, headers, persistent: true, messageId: identity.id ?? `dead-${Date.now()}` }, { mandatory: true })
      .catch((publishError: unknown) => {
        this.deps.logger.error({ err: publishError }, 'could not publish a dead letter');
        return 'failed' as const;
      });
    if (identity.replyTo && identity.id) await this.reply(identity.replyTo, identity.id, { ok: false, error: reason });
    // If our own copy did not land, the queue's dead-letter exchange takes the original (without our reason headers).
    this.settle(entry, routed === 'routed' ? 'ack' : 'reject');
    this.report({
      taskId: identity.id ?? '(none)',
      task: identity.task ?? '(unknown)',
      queue: plan.queue.name,
      pool: plan.pool,
      outcome: 'dead-lettered',
      durationMs: performance.now() - started,
      threadId: 0,
      attempt: 1,
      error: reason,
    });
  }

  private async reply(replyTo: string, taskId: string, outcome: TaskOutcome): Promise<void> {
    const { body, properties } = encodeTaskReply(taskId, outcome, this.deps.maxPayloadBytes);
    await this.deps.transport.reply(replyTo, body, properties);
  }

  private settle(entry: InFlight, how: 'ack' | 'requeue' | 'reject'): void {
    if (entry.settled) return;
    entry.settled = true;
    if (how === 'ack') entry.delivery.ack();
    else entry.delivery.nack(how === 'requeue');
  }

  private report(event: TaskEvent): void {
    const { logger } = this.deps;
    if (event.outcome === 'succeeded') {
      if (logger.isLevelEnabled('info')) logger.info(eventFields(event), `${event.task} succeeded in ${event.durationMs.toFixed(1)} ms`);
    } else {
      logger.warn(eventFields(event), `${event.task} ${event.outcome}: ${event.error?.name}: ${event.error?.message}`);
    }
    this.deps.onTask(event);
  }
}

function eventFields(event: TaskEvent): Record<string, unknown> {
  return {
    taskId: event.taskId,
    task: event.task,
    queue: event.queue,
    pool: event.pool,
    thread: event.threadId,
    durationMs: Math.round(event.durationMs * 10) / 10,
    outcome: event.outcome,
    ...(event.error ? { error: `${event.error.name}: ${event.error.message}` } : {}),
  };
}

