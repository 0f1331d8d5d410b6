import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { getMethodOptions, getTaskOptions, type JobClass } from '../decorators/task';
import { ClientClosedError, ConnectionLostError, ExchangeNotFoundError, InvalidArgumentsError, NamespaceNotDeclaredError, NoResultStoreError, RemoteTaskError, ResultStoreError, ResultTimeoutError, UnroutableTaskError, WarrenError, describe } from '../errors';
import { FINAL_STATES, type ResultStore, type StoredTask } from '../results/result-store';
import { statusOfRow } from '../results/stored-status';
import { ResultWaiter } from './result-waiter';
import { describeFrom, statusFrom } from './describe-task';
import { decodeTaskReply } from '../protocol/task-reply';
import { encodeTaskRequest } from '../protocol/task-request';
import type { TopologyNames } from '../topology/topology';
import { reportsConsumerState } from '../transport/consumer-state';
import type { MessageProperties, Transport } from '../transport/transport';
import { validateWith, type StandardSchemaV1 } from '../validation/standard-schema';
import { publishInTrace } from '../tracing/trace-propagation';
import { producerAttributes } from '../tracing/messaging-attributes';
import { RecentMap } from '../util/recent-map';
import { checkCallOptions, dueTimeOf, NO_CALL_OPTIONS } from './due-time';
import { PendingCalls } from './pending-calls';
import type { CallOptions, RemoteTask, TaskProxy } from './task-proxy';
import type { ControlReply, ControlRequest } from '../protocol/control-message';
import type { RuntimeSnapshot } from '../runtime/runtime-snapshot';
import type { TaskDescription } from '../runtime/task-description';
import type { TaskStatus } from '../runtime/task-status';
import type { ScheduleView } from '../schedule/scheduler';

export interface WarrenClientOptions {
  readonly transport: Transport;
  readonly names: TopologyNames;
  readonly rpcTimeoutMs: number;
  readonly maxPayloadBytes: number;
  readonly logger: Logger;
  /** Where finished tasks are read by id (opened on first use, closed with the client); none: `result` rejects. */
  readonly resultStore?: ResultStore;
}

/** Publishes tasks and waits for their replies. Get one with `connect()`. */
export class WarrenClient {
  private readonly pending = new PendingCalls();
  /** Control questions waiting for answers, by correlation id. */
  private readonly collectors = new Map<string, (body: Buffer) => void>();
  /** Ids this client published recently, so `status` can tell `queued` from `unknown`. */
  private readonly published = new RecentMap<string, string>(10_000);
  /** The reply address once opened; a failed opening is not kept, so the next call tries again. */
  private replyTo: Promise<string> | undefined;
  private replyAddress: string | undefined;
  private closed = false;
  private storeOpening: Promise<ResultStore> | undefined;
  private readonly waiter: ResultWaiter;

  constructor(private readonly options: WarrenClientOptions) {
    this.waiter = new ResultWaiter(() => this.openStore(), 100, (error) => options.logger.debug({ err: error }, `reading results failed; trying again: ${describe(error)}`));
    options.transport.onStateChange(({ state, error }) => {
      if (state === 'reconnected') return;
      // Replies come through this connection's direct reply-to: after a reconnect they cannot
      // reach us. Say so now rather than let callers wait for their timeouts.
      if (state === 'failed') this.closed = true;
      this.pending.failAll(new ConnectionLostError(`Broker connection lost while waiting for the reply; the task may still run: ${error?.message ?? state}`, { cause: error }));
    });
    if (reportsConsumerState(options.transport)) {
      options.transport.onConsumerChange(({ queue, state, error }) => {
        // The broker closed the channel our replies come through (the transport opens another):
        // replies to the old one are dropped, so the calls published on it are told now. A call
        // still being published is published again, on the new channel, which its reply then finds.
        if (state !== 'lost' || queue !== this.replyAddress) return;
        this.pending.failPublished(new ConnectionLostError(`The reply channel was closed by the broker while waiting for the reply; the task may still run: ${error?.message ?? 'no reason given'}`, { cause: error }));
      });
    }
  }

  /**
   * A typed proxy for a job class: `client.proxy(Images).thumbnail(input)`.
   * With only a type import of the class, name it: `client.proxy<Images>('Images')`.
   */
  proxy<T>(jobClass: JobClass<T>): TaskProxy<T>;
  proxy<T>(name: string): TaskProxy<T>;
  proxy<T>(target: JobClass<T> | string): TaskProxy<T> {
    const prefix = typeof target === 'string' ? target : taskPrefixOf(target);
    const methods = new Map<string, RemoteTask<(...args: unknown[]) => unknown>>();
    return new Proxy({} as TaskProxy<T>, {
      get: (_, property) => {
        // `then` must stay undefined, or `await client.proxy(X)` would treat the proxy as a promise.
        if (typeof property !== 'string' || property === 'then') return undefined;
        let method = methods.get(property);
        if (!method) {
          // With the class at hand, arguments are checked against its schema before publishing.
          const schema = typeof target === 'string' ? undefined : getMethodOptions(target, property)?.args;
          methods.set(property, (method = this.remoteTask(`${prefix}.${property}`, schema)));
        }
        return method;
      },
    });
  }

  /** Runs a task by name and resolves with its result (rejects with RemoteTaskError if it threw). */
  async call(task: string, args: readonly unknown[], options: CallOptions = NO_CALL_OPTIONS, argsSchema?: StandardSchemaV1): Promise<unknown> {
    this.assertOpen();
    checkCallOptions(task, options);
    const now = Date.now();
    const dueAt = dueTimeOf(task, options, now);
    const taskId = randomUUID();
    const timeoutMs = options.timeoutMs ?? this.options.rpcTimeoutMs;
    // Armed first: the timeout counts from the call (or from its due time, for a delayed one),
    // whatever the time goes to (checking the arguments, opening the reply queue, waiting for the connection).
    const startsAt = dueAt ?? now;
    const reply = this.pending.add(taskId, task, startsAt - now + timeoutMs);
    const deadline = startsAt + Math.min(timeoutMs, options.expiresInMs ?? Infinity);
    // The call is answered by its reply, which can beat the publisher confirm: a reply proves the
    // broker routed the task, so waiting on for the confirm would only add latency. A publish that
    // fails (unroutable, nacked, connection lost) before any reply fails the call.
    this.send(task, taskId, args, options, { deadline, dueAt }, argsSchema).catch((error: unknown) => this.pending.fail(taskId, error as Error));
    return reply;
  }

  /** Publishes a task without waiting for its result; resolves with its id once the broker has it. */
  async enqueue(task: string, args: readonly unknown[], options: CallOptions = NO_CALL_OPTIONS, argsSchema?: StandardSchemaV1): Promise<string> {
    this.assertOpen();
    checkCallOptions(task, options);
    const dueAt = dueTimeOf(task, options);
    if (argsSchema) args = await checkArgs(task, args, argsSchema);
    const taskId = randomUUID();
    const deadline = options.expiresInMs === undefined ? undefined : (dueAt ?? Date.now()) + options.expiresInMs;
    await this.publish(task, taskId, args, undefined, options, { deadline, dueAt });
    return taskId;
  }

  /**
   * A task's result, from the result store: resolves once the task has succeeded (at once if it
   * already had, whoever called it, even before this process started), rejects with
   * RemoteTaskError if it failed, dead-lettered or expired, and with ResultTimeoutError if it has
   * not finished within `timeoutMs` (default: the client's rpcTimeoutMs).
   */
  async result<T = unknown>(taskId: string, options: { timeoutMs?: number } = {}): Promise<T> {
    this.assertOpen();
    const store = await this.openStore();
    const timeoutMs = options.timeoutMs ?? this.options.rpcTimeoutMs;
    // No wait: one read now, not a timer that could beat the first read.
    const row = timeoutMs === 0 ? (await store.getFinished([taskId]))[0] : await this.waiter.wait(taskId, timeoutMs);
    if (!row) {
      const last = await store.get(taskId).catch(() => undefined);
      throw new ResultTimeoutError(taskId, timeoutMs, last?.state ?? (this.published.get(taskId) !== undefined ? 'queued' : 'unknown'));
    }
    if (row.state === 'succeeded') return row.result as T;
    const error = row.error ?? { name: 'WarrenError', message: `the task ended ${row.state}` };
    throw new RemoteTaskError(row.task, taskId, error.name, error.message, error.stack, error.data);
  }

  /**
   * Where a task is. A finished task is read from the result store when there is one; otherwise
   * every runtime is asked (they remember their latest 10 000 tasks) and the most recent answer
   * wins, then the store's row. Nobody knows it: `queued` if this client published it, else `unknown`.
   */
  async status(taskId: string, options: { timeoutMs?: number } = {}): Promise<TaskStatus> {
    const row = await this.storedRow(taskId, 'status');
    if (row && FINAL_STATES.has(row.state)) return statusOfRow(row);
    const replies = await this.ask({ op: 'status', taskId }, options.timeoutMs ?? 500);
    return statusFrom(taskId, { row, replies, publishedTask: this.published.get(taskId) });
  }

  /**
   * Everything known of a task, for a task page: its status, arguments, result or error (with
   * stack), and every step of its life (queued, running, retrying, settled) with times, runtime
   * and thread, from the result store and every runtime that handled it; `next` says what
   * happens to it next. Arguments come from the store, or from the runtime running it now.
   */
  async describe(taskId: string, options: { timeoutMs?: number } = {}): Promise<TaskDescription> {
    const row = await this.storedRow(taskId, 'describe');
    const replies = await this.ask({ op: 'status', taskId, describe: true }, options.timeoutMs ?? 500);
    return describeFrom(taskId, { row, replies, publishedTask: this.published.get(taskId), resultStore: this.options.resultStore !== undefined });
  }

  /** The store's row of a task; a store that cannot be read leaves the question to the runtimes, as without a store. */
  private async storedRow(taskId: string, asking: string): Promise<StoredTask | undefined> {
    if (!this.options.resultStore) return undefined;
    return this.openStore()
      .then((store) => store.get(taskId))
      .catch((error: unknown) => void this.options.logger.warn({ err: error, taskId }, `${asking}: the result store could not be read, asking the runtimes: ${describe(error)}`));
  }

  /** Every runtime that answers within the timeout, with what it is doing. */
  async inspect(options: { timeoutMs?: number } = {}): Promise<RuntimeSnapshot[]> {
    const replies = await this.ask({ op: 'inspect' }, options.timeoutMs ?? 1_000);
    return replies.flatMap((reply) => ('snapshot' in reply ? [reply.snapshot] : [])).sort((a, b) => a.id.localeCompare(b.id));
  }

  /**
   * Every schedule the live runtimes define, with its last and next firing as the runtime that
   * holds the schedules knows them (`holder`); none answering means none listed.
   */
  async schedules(options: { timeoutMs?: number } = {}): Promise<ScheduleView[]> {
    const byName = new Map<string, ScheduleView>();
    for (const snapshot of await this.inspect(options)) {
      for (const view of snapshot.schedules ?? []) {
        const known = byName.get(view.name);
        if (!known || (view.holder && !known.holder)) byName.set(view.name, view);
      }
    }
    return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Pauses (or resumes) a schedule; kept in the schedules' state, so it holds across restarts.
   * Rejects when no runtime that holds the schedules answers, or none defines this one.
   */
  async pauseSchedule(name: string, paused = true, options: { timeoutMs?: number } = {}): Promise<ScheduleView> {
    const replies = await this.ask({ op: 'pause-schedule', name, paused }, options.timeoutMs ?? 1_000);
    const applied = replies.flatMap((reply) => ('schedule' in reply && reply.schedule ? [reply.schedule] : []));
    if (applied[0]) return applied[0];
    throw new WarrenError(
      replies.length === 0 ? `No runtime answered: is one running on namespace '${this.options.names.namespace}'?` : `No runtime holding the schedules defines a schedule named '${name}' (${replies.length} runtime(s) answered)`,
    );
  }

  /** Calls waiting for a reply now. */
  get waiting(): number {
    return this.pending.size;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.pending.failAll(new ClientClosedError('The client was closed while calls were waiting for their replies'));
    this.waiter.close();
    await Promise.allSettled([this.storeOpening?.then((store) => store.close())]);
    await this.options.transport.close();
  }

  private remoteTask(task: string, argsSchema: StandardSchemaV1 | undefined): RemoteTask<(...args: unknown[]) => unknown> {
    const bind = (options: CallOptions) =>
      Object.assign((...args: unknown[]) => this.call(task, args, options, argsSchema), {
        enqueue: (...args: unknown[]) => this.enqueue(task, args, options, argsSchema),
      });
    return Object.assign(bind(NO_CALL_OPTIONS), { with: bind }) as RemoteTask<(...args: unknown[]) => unknown>;
  }

  private async send(task: string, taskId: string, args: readonly unknown[], options: CallOptions, times: Times, argsSchema: StandardSchemaV1 | undefined): Promise<void> {
    if (argsSchema) args = await checkArgs(task, args, argsSchema);
    const replyTo = await this.openReplies();
    // The caller gave up while the reply queue opened: published now, the task would run for nobody.
    if (!this.pending.has(taskId)) return;
    await this.publish(task, taskId, args, replyTo, options, times);
    this.pending.markPublished(taskId);
  }

  /**
   * To the tasks exchange, delayed or not: a delayed task reaches its queue now (so an unroutable
   * one fails the call at once), and the runtime that takes it puts it in the delay cascade.
   */
  private async publish(task: string, taskId: string, args: readonly unknown[], replyTo: string | undefined, options: CallOptions, times: Times): Promise<void> {
    const { transport, names, maxPayloadBytes } = this.options;
    const { deadline, dueAt } = times;
    await publishInTrace(task, () => producerAttributes(names.tasksExchange, task, taskId), async (trace) => {
      const { body, properties } = encodeTaskRequest({ id: taskId, task, args, attempt: 1, replyTo, deadline, dueAt, maxAttempts: options.maxAttempts, trace }, maxPayloadBytes);
      let outcome;
      try {
        outcome = await transport.publish(names.tasksExchange, task, body, properties, { mandatory: true });
      } catch (error) {
        if (error instanceof ExchangeNotFoundError && error.exchange === names.tasksExchange) throw new NamespaceNotDeclaredError(task, names.tasksExchange, names.namespace, { cause: error });
        throw error;
      }
      if (outcome === 'unroutable') throw new UnroutableTaskError(task, names.tasksExchange);
    });
    this.published.set(taskId, task);
  }

  /** Broadcasts a control question and collects the answers that arrive within `timeoutMs`. */
  private async ask(request: ControlRequest, timeoutMs: number): Promise<ControlReply[]> {
    this.assertOpen();
    const replyTo = await this.openReplies();
    const id = randomUUID();
    const replies: ControlReply[] = [];
    this.collectors.set(id, (body) => {
      try {
        replies.push(JSON.parse(body.toString('utf8')) as ControlReply);
      } catch {
        // a garbled answer is no answer
      }
    });
    try {
      const { transport, names } = this.options;
      const outcome = await transport
        .publish(names.controlExchange, '', Buffer.from(JSON.stringify(request)), { messageId: id, correlationId: id, replyTo, contentType: 'application/json' }, { mandatory: true })
        .catch((error: unknown) => {
          // No control exchange: no runtime of this namespace ever started here, so none can answer.
          if (error instanceof ExchangeNotFoundError) return 'unroutable' as const;
          throw error;
        });
      if (outcome === 'routed') await new Promise((resolve) => setTimeout(resolve, timeoutMs));
    } finally {
      this.collectors.delete(id);
    }
    return replies;
  }

  private openReplies(): Promise<string> {
    this.replyTo ??= this.options.transport.openReplyQueue((body, properties) => this.onReply(body, properties)).then(
      (address) => (this.replyAddress = address),
      (error: unknown) => {
        this.replyTo = undefined; // the next call tries again
        throw error;
      },
    );
    return this.replyTo;
  }

  private onReply(body: Buffer, properties: MessageProperties): void {
    const taskId = properties.correlationId;
    const collector = taskId ? this.collectors.get(taskId) : undefined;
    if (collector) return collector(body);
    const call = taskId ? this.pending.take(taskId) : undefined;
    if (!call || !taskId) {
      this.options.logger.warn({ taskId }, 'late or unknown reply dropped: its caller stopped waiting');
      return;
    }
    let outcome;
    try {
      outcome = decodeTaskReply(body);
    } catch (error) {
      call.reject(new WarrenError(`Unreadable reply for ${call.task} (id ${taskId})`, { cause: error }));
      return;
    }
    if (outcome.ok) call.resolve(outcome.result);
    else call.reject(new RemoteTaskError(call.task, taskId, outcome.error.name, outcome.error.message, outcome.error.stack, outcome.error.data));
  }

  private openStore(): Promise<ResultStore> {
    const store = this.options.resultStore;
    if (!store) {
      return Promise.reject(
        new NoResultStoreError(`No result store is configured for namespace '${this.options.names.namespace}': set results.url in runtime.config.ts (or WARREN_RESULTS_URL) to a postgres:// URL, for the runtime and the client`),
      );
    }
    this.storeOpening ??= store.open().then(
      () => store,
      (error: unknown) => {
        this.storeOpening = undefined; // the next call tries again
        throw error instanceof ResultStoreError ? error : new ResultStoreError(`Cannot open the result store: ${describe(error)}`, { cause: error });
      },
    );
    return this.storeOpening;
  }

  private assertOpen(): void {
    if (this.closed) throw new ClientClosedError('The client is closed');
  }
}

/** When a published task may start, and after when it must not (epoch ms). */
interface Times {
  readonly deadline: number | undefined;
  readonly dueAt: number | undefined;
}

async function checkArgs(task: string, args: readonly unknown[], schema: StandardSchemaV1): Promise<readonly unknown[]> {
  const checked = await validateWith(schema, args);
  if (!checked.ok) throw new InvalidArgumentsError(task, checked.problems);
  return args; // the original arguments travel: the runtime validates (and transforms) them again
}

function taskPrefixOf(jobClass: JobClass): string {
  const options = getTaskOptions(jobClass);
  if (!options) throw new WarrenError(`${jobClass.name} is not a @Task class, so it has no tasks to call`);
  return options.name ?? jobClass.name;
}
