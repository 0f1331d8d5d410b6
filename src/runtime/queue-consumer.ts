import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { UnencodableMessageError, UnknownTaskError, describe } from '../errors';
import { decideAfterRun } from '../policy/after-run';
import { HEADERS } from '../protocol/headers';
import { serializeError, type SerializedError } from '../protocol/serialized-error';
import { encodeTaskReply, type TaskOutcome } from '../protocol/task-reply';
import { decodeTaskRequest, peekTaskIdentity, positiveInteger, type TaskRequest } from '../protocol/task-request';
import type { Pool, RunResult } from '../pools/pool';
import type { TaskDefinition } from '../registry/task-definition';
import type { TaskRegistry } from '../registry/task-registry';
import type { Delivery, PublishOutcome, Subscription, Transport } from '../transport/transport';
import { traceparentForTask } from '../tracing/traceparent';
import type { QueuePlan } from './queue-plan';
import type { ResultRecorder, StartedRun } from './result-recorder';
import type { Republisher } from './republisher';
import type { Admitted, DeliveryStage, StageActions } from './stages/stage';
import type { StaleBindings } from './stale-bindings';
import type { TaskEvent, TaskStartedEvent } from './task-event';
import type { RunningTask } from './task-tracker';
import type { InFlightTask } from './runtime-snapshot';

export interface QueueConsumerDeps {
  readonly plan: QueuePlan;
  readonly pool: Pool;
  readonly registry: TaskRegistry;
  readonly transport: Transport;
  readonly republisher: Republisher;
  readonly staleBindings: StaleBindings;
  readonly maxPayloadBytes: number;
  readonly unknownTaskGraceMs: number;
  /** How long a message handed back for another runtime waits before it is delivered again. */
  readonly requeueDelayMs: number;
  /** What a delivery passes between decoding and its run (see stages/delivery-stages.ts). */
  readonly stages: readonly DeliveryStage[];
  /** Writes outcomes to the result store before their acks; absent without a store. */
  readonly results: ResultRecorder | undefined;
  readonly logger: Logger;
  /** Whether anyone listens for `started`: most of the time nobody does, and the event is not even built. */
  readonly wantsStarted: () => boolean;
  readonly onStarted: (event: TaskStartedEvent) => void;
  readonly onTask: (event: TaskEvent) => void;
}

interface InFlight {
  readonly delivery: Delivery;
  /** performance.now() at receipt. */
  readonly started: number;
  settled: boolean;
  /** Set once the request is decoded and its task found here. */
  request: TaskRequest | undefined;
  definition: TaskDefinition | undefined;
  args: readonly unknown[];
  /** Set as it is handed to its pool: what `client.status` reports as running. */
  running: boolean;
  /** The run's trace context, once decoded: its header, or derived from the task id. */
  traceparent: string | undefined;
  /** What the task last reported through `currentTask().progress(value)`. */
  progress: unknown;
}

const NO_ARGS: readonly unknown[] = Object.freeze([]);

/** A delivery in flight that the stages see: decoded, for a task of this queue. */
type AdmittedInFlight = InFlight & Admitted;

/**
 * Serves one queue. For each delivery: decode, find the task it is for, pass it through the
 * delivery stages (expiry, delay, redelivery count, arguments), dispatch it to the queue's pool,
 * then act on the policy's decision: reply and acknowledge, retry later, or dead-letter with the
 * reason. The original is acknowledged only once what replaces it is safe.
 */
export class QueueConsumer implements StageActions<AdmittedInFlight> {
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

  /** This queue's tasks handed to its pool and not settled, oldest first: what `warren inspect` lists. */
  inFlightTasks(): InFlightTask[] {
    const { plan, pool } = this.deps;
    const listed: InFlightTask[] = [];
    for (const entry of this.inFlight) {
      const request = entry.request;
      if (!entry.running || !request) continue;
      const where = pool.where(request.id);
      const task: InFlightTask = { taskId: request.id, task: request.task, queue: plan.queue.name, pool: plan.pool, attempt: request.attempt, receivedAt: new Date(startedAt(entry)).toISOString() };
      listed.push(where ? { ...task, startedAt: new Date(where.startedAt).toISOString(), threadId: where.threadId } : task);
    }
    return listed;
  }

  /** The task with this id, if it is running here now. */
  findRunning(taskId: string): RunningTask | undefined {
    for (const entry of this.inFlight) {
      const request = entry.request;
      if (!entry.running || request?.id !== taskId) continue;
      const { plan, pool } = this.deps;
      const where = pool.where(taskId);
      const receivedAt = startedAt(entry);
      return {
        task: request.task,
        queue: plan.queue.name,
        pool: plan.pool,
        attempt: request.attempt,
        args: request.args,
        receivedAt,
        dueAt: dueAtOf(entry),
        startedAt: where?.startedAt ?? receivedAt,
        threadId: where?.threadId,
        traceId: traceIdOf(entry.traceparent ?? entry.delivery.properties.headers?.traceparent),
        progress: entry.progress,
      };
    }
    return undefined;
  }

  /** Keeps a running task's progress for `status`, and passes it to the store; false if the task is not running here. */
  setProgress(taskId: string, value: unknown): boolean {
    for (const entry of this.inFlight) {
      if (!entry.running || entry.request?.id !== taskId) continue;
      entry.progress = value;
      if (this.stores(entry.definition)) this.deps.results?.progress(this.runOf(entry, entry.request), value);
      return true;
    }
    return false;
  }

  /** A running delivery as its result-store row describes it. */
  private runOf(entry: InFlight, request: TaskRequest): StartedRun {
    return { taskId: request.id, task: request.task, queue: this.deps.plan.queue.name, attempt: request.attempt, args: request.args, traceId: traceIdOf(entry.traceparent), startedAt: startedAt(entry) };
  }

  /** Whether this task's outcomes go to the result store. */
  private stores(definition: TaskDefinition | undefined): boolean {
    return this.deps.results !== undefined && (definition?.storeResult ?? true);
  }

  /** Gives what is still running back to the broker for another runtime; returns how many. */
  requeueInFlight(): number {
    let count = 0;
    for (const entry of this.inFlight) {
      if (entry.settled) continue;
      this.settle(entry, 'requeue');
      count++;
    }
    return count;
  }

  private async handle(delivery: Delivery): Promise<void> {
    const entry: InFlight = { delivery, started: performance.now(), settled: false, request: undefined, definition: undefined, args: NO_ARGS, running: false, traceparent: undefined, progress: undefined };
    this.inFlight.add(entry);
    try {
      await this.process(entry);
    } catch (error) {
      // A bug, or the broker failing us mid-way: the message goes back rather than vanishing.
      this.deps.logger.error({ err: error, queue: this.deps.plan.brokerQueue }, 'delivery handling failed; message requeued');
      this.settle(entry, 'requeue');
    } finally {
      this.inFlight.delete(entry);
      if (this.inFlight.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private async process(entry: InFlight): Promise<void> {
    const { delivery } = entry;
    const { plan, registry, maxPayloadBytes } = this.deps;
    let request: TaskRequest;
    try {
      request = decodeTaskRequest(delivery.body, delivery.properties, maxPayloadBytes);
    } catch (error) {
      return this.reject(entry, error);
    }
    const definition = registry.get(request.task);
    if (!definition && delivery.routingKey === request.task) return this.handBackUnknown(entry, request);
    if (!definition) return this.reject(entry, new UnknownTaskError(request.task));
    if (definition.queue !== plan.queue.name) {
      if (delivery.routingKey === request.task) return this.forward(entry, request, definition.queue);
      return this.reject(entry, new UnknownTaskError(request.task, `it is served by the queue '${definition.queue}', and this message was sent straight to '${plan.queue.name}'`));
    }

    entry.request = request;
    entry.definition = definition;
    entry.args = request.args;
    const admitted = entry as AdmittedInFlight;
    for (const stage of this.deps.stages) {
      // Most stages let most deliveries through at once: only a promise is awaited, so passing costs no turn.
      const passed = stage.admit<AdmittedInFlight>(admitted, this);
      if (passed === true) continue;
      if (passed === false || !(await passed)) return;
    }

    entry.running = true;
    entry.traceparent = request.trace?.traceparent ?? traceparentForTask(request.id);
    if (this.deps.wantsStarted()) this.deps.onStarted({ taskId: request.id, task: request.task, queue: plan.queue.name, pool: plan.pool, attempt: request.attempt, at: Date.now() });
    if (this.deps.results?.tracksStarted && this.stores(definition)) this.deps.results.started(this.runOf(entry, request));
    const result = await this.deps.pool.run({ taskId: request.id, attempt: request.attempt, definition, args: admitted.args, traceparent: entry.traceparent, queue: plan.brokerQueue });
    if (entry.settled) return; // requeued by a shutdown that could not wait any longer
    return this.settleRun(entry, request, definition, result);
  }

  /** Acts on the policy's decision after a run. An outcome goes to the result store before its ack. */
  private async settleRun(entry: InFlight, request: TaskRequest, definition: TaskDefinition, result: RunResult): Promise<void> {
    const stored = this.stores(definition) ? this.deps.results : undefined;
    let encodedResult: string | undefined;
    if (stored && result.outcome.ok) {
      const encoded = stored.encode(request.task, result.outcome.result);
      if ('tooLarge' in encoded) result = { outcome: { ok: false, error: serializeError(encoded.tooLarge) }, threadId: result.threadId, retryable: false };
      else encodedResult = encoded.encoded;
    }
    const decision = decideAfterRun({ ok: result.outcome.ok, retryable: result.retryable, attempt: request.attempt, requestedMaxAttempts: request.maxAttempts }, definition.retry);
    if (decision.action === 'ack') {
      const event = this.taskEvent(entry, request, 'succeeded', result.threadId);
      await stored?.record(event, request.args, { encodedResult, progress: entry.progress });
      if (request.replyTo) await this.reply(request.replyTo, request.id, result.outcome, entry.delivery);
      this.settle(entry, 'ack');
      this.announce(event);
      return;
    }
    const error = (result.outcome as { error: SerializedError }).error;
    if (decision.action === 'retry') {
      const dueAt = Date.now() + decision.delayMs;
      this.settleAfter(entry, await copyOutcome(this.deps.republisher.retry(entry.delivery, request.task, decision.nextAttempt, dueAt, error)));
      this.announce(this.taskEvent(entry, request, 'retried', result.threadId, error, dueAt), stored && request.args);
      return;
    }
    const event = this.taskEvent(entry, request, 'failed', result.threadId, error);
    await stored?.record(event, request.args, { progress: entry.progress });
    const routed = await copyOutcome(this.deps.republisher.deadLetter(entry.delivery, this.deps.plan.queue.name, error, request.attempt));
    // The dead-letter copy holds the failure: as for a rejection, acknowledge before replying.
    this.settleAfter(entry, routed);
    if (request.replyTo) await this.reply(request.replyTo, request.id, result.outcome, entry.delivery);
    this.announce(event);
  }

  /** A stage's action: acknowledged once the copy that takes the delivery's place is safe. */
  async replaceWith(admitted: AdmittedInFlight, copy: Promise<PublishOutcome>, report?: { outcome: TaskEvent['outcome']; nextAttemptAt: number }): Promise<void> {
    const outcome = await copyOutcome(copy);
    this.settleAfter(admitted, outcome);
    if (report && outcome === 'routed') this.announce(this.taskEvent(admitted, admitted.request, report.outcome, 0, undefined, report.nextAttemptAt), this.stores(admitted.definition) && admitted.request.args);
  }

  /** A stage's action: not run and not kept. Its caller has already had its timeout. */
  async drop(admitted: AdmittedInFlight, outcome: 'expired', error: SerializedError): Promise<void> {
    const event = this.taskEvent(admitted, admitted.request, outcome, 0, error);
    if (this.stores(admitted.definition)) await this.deps.results?.record(event, admitted.request.args);
    this.settle(admitted, 'ack');
    this.announce(event);
  }

  /**
   * Never run: dead-lettered with the reason, and a waiting caller is told why. The original is
   * settled before the reply, which then leaves after its ack on the same channel: a reply that
   * makes the broker close the connection (some reply addresses do) cannot bring the message back.
   */
  async reject(entry: InFlight, error: unknown): Promise<void> {
    const { delivery } = entry;
    const identity = peekTaskIdentity(delivery.properties);
    const reason = serializeError(error);
    const request = { id: identity.id ?? '(none)', task: identity.task ?? '(unknown)', attempt: 0 };
    const event = this.taskEvent(entry, request, 'rejected', 0, reason);
    // A message with an id is a task someone may ask about: its row says why it never ran.
    if (identity.id && this.stores(entry.definition ?? (identity.task ? this.deps.registry.get(identity.task) : undefined))) await this.deps.results?.record(event, entry.request?.args);
    const routed = await copyOutcome(this.deps.republisher.deadLetter(delivery, this.deps.plan.queue.name, reason, 0));
    this.settleAfter(entry, routed);
    if (identity.replyTo && identity.id) await this.reply(identity.replyTo, identity.id, { ok: false, error: reason }, delivery);
    this.announce(event);
  }

  /**
   * A binding for this task brought it here, so some runtime on this queue defines it (an older
   * or newer version, in a rolling deploy): hand it back after requeueDelayMs for one
   * that does, for up to unknownTaskGraceMs, then dead-letter it. A task sent straight to the
   * queue, by no binding, is dead-lettered at once.
   */
  private async handBackUnknown(entry: InFlight, request: TaskRequest): Promise<void> {
    const headers = entry.delivery.properties.headers;
    const since = positiveInteger(headers?.[HEADERS.handedBackSince]) ?? Date.now();
    const handBacks = (positiveInteger(headers?.[HEADERS.handBacks]) ?? 0) + 1;
    const graceMs = this.deps.unknownTaskGraceMs;
    if (Date.now() - since >= graceMs) {
      const after = graceMs === 0 ? '' : `; handed back ${handBacks - 1} time(s) over ${Math.round((Date.now() - since) / 1000)} s for a runtime that does, and none took it`;
      return this.reject(entry, new UnknownTaskError(request.task, `${this.deps.plan.brokerQueue} is bound to it, but no runtime serving the queue defines it${after} (unknownTaskGraceMs ${graceMs})`));
    }
    if (handBacks === 1) this.deps.logger.warn({ taskId: request.id, task: request.task, queue: this.deps.plan.brokerQueue }, `${request.task} is not defined here; handing it back for a runtime that defines it (a rolling deploy?) for up to ${graceMs} ms`);
    this.settleAfter(entry, await copyOutcome(this.deps.republisher.handBack(entry.delivery, request.task, since, handBacks, this.deps.requeueDelayMs)));
  }

  /**
   * This runtime serves the task on another queue, and an old binding brought it here (the task
   * moved between queues): the binding goes, and the message moves to the queue that serves the
   * task now, straight to it, so that no binding can copy it again.
   */
  private async forward(entry: InFlight, request: TaskRequest, servingQueue: string): Promise<void> {
    const publishedAt = positiveInteger(entry.delivery.properties.headers?.[HEADERS.publishedAt]);
    this.deps.staleBindings.remove(this.deps.plan.queue.name, request.task, servingQueue, publishedAt);
    this.settleAfter(entry, await copyOutcome(this.deps.republisher.forward(entry.delivery, servingQueue)));
  }

  private async reply(replyTo: string, taskId: string, outcome: TaskOutcome, answering?: Delivery): Promise<void> {
    const { body, properties } = encodeTaskReply(taskId, outcome, this.deps.maxPayloadBytes);
    await this.deps.transport.reply(replyTo, body, properties, answering);
  }

  /**
   * Acks once the copy is safe. A copy that could not be routed, or cannot be encoded (which
   * would fail again on every redelivery), leaves the original to the queue's own dead-letter
   * exchange: the broker moves it as it is, with an x-death entry.
   */
  private settleAfter(entry: InFlight, copy: PublishOutcome | UnencodableMessageError): void {
    if (copy === 'routed') return this.settle(entry, 'ack');
    const { messageId } = entry.delivery.properties;
    const why = copy === 'unroutable' ? 'was unroutable' : `cannot be encoded (${describe(copy)})`;
    this.deps.logger.error({ queue: this.deps.plan.brokerQueue, taskId: messageId }, `the retry or dead-letter copy of ${messageId ?? 'a message'} ${why}; rejecting the original to the dead-letter exchange as it is`);
    this.settle(entry, 'reject');
  }

  private settle(entry: InFlight, how: 'ack' | 'requeue' | 'reject'): void {
    if (entry.settled) return;
    entry.settled = true;
    if (how === 'ack') entry.delivery.ack();
    else entry.delivery.nack(how === 'requeue');
  }

  /** What happened to a delivery, as the runtime's `task` event tells it. */
  private taskEvent(
    entry: InFlight,
    request: Pick<TaskRequest, 'id' | 'task' | 'attempt'>,
    outcome: TaskEvent['outcome'],
    threadId: number,
    error?: SerializedError,
    nextAttemptAt?: number,
  ): TaskEvent {
    const { plan } = this.deps;
    const headers = entry.delivery.properties.headers;
    const readyAt = dueAtOf(entry);
    const durationMs = performance.now() - entry.started;
    const at = Date.now();
    // One object of one shape, with no conditional spreads: this runs once per task.
    return {
      taskId: request.id,
      task: request.task,
      queue: plan.queue.name,
      pool: plan.pool,
      outcome,
      at,
      durationMs,
      waitMs: readyAt === undefined ? undefined : Math.max(0, at - durationMs - readyAt),
      threadId,
      attempt: request.attempt,
      error,
      traceId: traceIdOf(entry.traceparent ?? headers?.traceparent),
      nextAttemptAt,
    };
  }

  /**
   * Logs and emits a settled delivery's event. Given the arguments (`storeArgs`), a task that is
   * not finished (retried, scheduled) also gets its row, on the side: its message still holds it.
   */
  private announce(event: TaskEvent, storeArgs?: readonly unknown[] | false): void {
    const { logger } = this.deps;
    if (storeArgs) this.deps.results?.record(event, storeArgs).catch((error: unknown) => logger.debug({ err: error, taskId: event.taskId }, `the ${event.outcome} state of ${event.task} was not recorded: ${describe(error)}`));
    const { outcome, nextAttemptAt, error } = event;
    if (outcome === 'succeeded') {
      if (logger.isLevelEnabled('info')) logger.info(logFields(event), `${event.task} succeeded in ${event.durationMs.toFixed(1)} ms`);
    } else if (outcome === 'scheduled') {
      if (logger.isLevelEnabled('info')) logger.info(logFields(event), `${event.task} scheduled for ${new Date(nextAttemptAt as number).toISOString()}`);
    } else {
      const next = nextAttemptAt ? `; attempt ${event.attempt + 1} at ${new Date(nextAttemptAt).toISOString()}` : '';
      logger.warn(logFields(event), `${event.task} ${outcome}: ${error?.name}: ${error?.message}${next}`);
    }
    this.deps.onTask(event);
  }
}

/** The outcome of publishing a copy, with a copy amqplib cannot encode as a value rather than a throw. */
async function copyOutcome(copy: Promise<PublishOutcome>): Promise<PublishOutcome | UnencodableMessageError> {
  try {
    return await copy;
  } catch (error) {
    if (error instanceof UnencodableMessageError) return error;
    throw error;
  }
}

/** When a delivery was received, in epoch ms. */
function startedAt(entry: InFlight): number {
  return Date.now() - (performance.now() - entry.started);
}

/** When a delivery became due (epoch ms): its publish, or the end of its countdown or backoff; a task waits in its queue from then. */
function dueAtOf(entry: InFlight): number | undefined {
  const publishedAt = positiveInteger(entry.delivery.properties.headers?.[HEADERS.publishedAt]);
  return publishedAt === undefined ? undefined : Math.max(publishedAt, entry.request?.dueAt ?? 0);
}

/** The trace id of a `traceparent` (`00-<trace id>-<span id>-<flags>`), without a regex on the hot path. */
function traceIdOf(traceparent: unknown): string | undefined {
  return typeof traceparent === 'string' && traceparent.length >= 55 ? traceparent.slice(3, 35) : undefined;
}

function logFields(event: TaskEvent): Record<string, unknown> {
  return {
    taskId: event.taskId,
    task: event.task,
    queue: event.queue,
    pool: event.pool,
    thread: event.threadId,
    attempt: event.attempt,
    ...(event.traceId ? { traceId: event.traceId } : {}),
    durationMs: Math.round(event.durationMs * 10) / 10,
    outcome: event.outcome,
    ...(event.error ? { error: `${event.error.name}: ${event.error.message}` } : {}),
  };
}
