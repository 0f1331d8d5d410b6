import type { ReplaySummary } from './admin/replay-summary';

/**
 * One error hierarchy for everything Warren throws. Every class sets its own `name`
 * (through `new.target.name`), so `instanceof` and logs both tell the kinds apart.
 */
export class WarrenError extends Error {
  override readonly name: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** `runtime.config.ts` (or a config object) is missing, malformed or invalid. */
export class ConfigError extends WarrenError {}

/** A job file or class could not be turned into task definitions. */
export class RegistryError extends WarrenError {}

/** A job module threw while it was being imported. */
export class JobModuleLoadError extends RegistryError {
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(`Job module ${file} threw while loading: ${describe(cause)}`, { cause });
  }
}

/** The broker already has an entity with arguments that differ from what the topology declares. */
export class TopologyMismatchError extends WarrenError {
  /** For a queue: every argument that differs, the queue's side and Warren's (`undefined`: not set). */
  readonly differences: ReadonlyArray<{ readonly argument: string; readonly existing: string | undefined; readonly declared: string | undefined }>;

  constructor(
    readonly entity: string,
    detail: string,
    options?: { cause?: unknown; differences?: TopologyMismatchError['differences'] },
  ) {
    super(`Queue or exchange '${entity}' already exists with different arguments: ${detail}`, options);
    this.differences = options?.differences ?? [];
  }
}

/**
 * A queue exists with another type (classic, quorum) than the config gives it. RabbitMQ cannot
 * change a queue's type: keep the type it has, or move the queue over (docs/operations.md).
 */
export class QueueTypeMismatchError extends TopologyMismatchError {
  constructor(
    readonly queue: string,
    readonly existingType: string,
    readonly configuredType: string,
    options: { cause?: unknown; differences: TopologyMismatchError['differences'] },
  ) {
    super(
      queue,
      `it is a ${existingType} queue, and the config makes it ${configuredType} (broker.queueType, or queues.<name>.queueType for a work queue and its dead-letter queue). ` +
        `RabbitMQ cannot change a queue's type: set queueType: '${existingType}' for it to keep it as it is, or move it to ${configuredType} ` +
        `(stop the runtimes once it is empty, rabbitmqctl delete_queue ${queue}, start again; docs/operations.md, "Queue types: classic and quorum")`,
      options,
    );
  }
}

/** The broker connection failed or was lost. */
export class TransportError extends WarrenError {}

/**
 * The broker refused a message (basic.nack) until the publish timeout ran out: a queue it routes
 * to is full with `x-overflow: reject-publish`, or a quorum queue had no leader (a node failing).
 */
export class PublishRefusedError extends TransportError {}

/** A published task matched no queue: no runtime declared a queue for it. */
export class UnroutableTaskError extends WarrenError {
  constructor(
    readonly task: string,
    readonly exchange: string,
    /** What to do about it, when more is known than that no queue matched. */
    advice = 'Start a runtime whose job files define this task (warren start), or check the task name.',
  ) {
    super(`No queue is bound to task '${task}' on exchange '${exchange}'. ${advice}`);
  }
}

/** A publish named an exchange the broker does not have. */
export class ExchangeNotFoundError extends TransportError {
  constructor(
    readonly exchange: string,
    options?: { cause?: unknown },
  ) {
    super(`Exchange '${exchange}' does not exist on the broker`, options);
  }
}

/** A task was called in a namespace whose tasks exchange does not exist: no runtime of that namespace has started on this broker. */
export class NamespaceNotDeclaredError extends UnroutableTaskError {
  constructor(
    task: string,
    exchange: string,
    readonly namespace: string,
    options?: { cause?: unknown },
  ) {
    super(task, exchange);
    this.message =
      `No runtime has declared namespace '${namespace}' on this broker (exchange '${exchange}' does not exist), so task '${task}' cannot be routed. ` +
      `Start a runtime with broker.namespace '${namespace}' (warren start), or check the namespace this client uses.`;
    if (options && 'cause' in options) this.cause = options.cause;
    // The stack's first line was written with the parent's message.
    if (this.stack) this.stack = [`${this.name}: ${this.message}`, ...this.stack.split('\n').slice(1)].join('\n');
  }
}

/** A call's options cannot be honoured (a delay that is negative, not a number, or too far ahead): nothing was published. */
export class InvalidCallOptionsError extends WarrenError {}

/** The caller stopped waiting for a reply. The task itself may still run. */
export class RpcTimeoutError extends WarrenError {
  constructor(
    readonly task: string,
    readonly taskId: string,
    readonly timeoutMs: number,
  ) {
    super(`Task '${task}' (id ${taskId}) did not answer within ${timeoutMs} ms`);
  }
}

/** The client was closed while a call was waiting for its reply. */
export class ClientClosedError extends WarrenError {}

/** The broker connection dropped while a call was waiting for its reply (which can no longer arrive). */
export class ConnectionLostError extends TransportError {}

/**
 * amqplib cannot write this message (a header value it has no type for, a header table over
 * 64 KiB). Nothing was sent, and the same message fails the same way every time.
 */
export class UnencodableMessageError extends TransportError {}

/** A message could not be decoded or validated; it goes to the dead-letter queue with this reason. */
export class InvalidMessageError extends WarrenError {}

/** A message named a task that this runtime does not serve. */
export class UnknownTaskError extends WarrenError {
  constructor(
    readonly task: string,
    detail = 'no job class of this runtime defines it',
  ) {
    super(`Unknown task '${task}': ${detail}`);
  }
}

/**
 * Throw this from a task to fail it for good: no retry, straight to the dead-letter queue.
 * For failures another attempt cannot fix (bad input, a record that does not exist).
 */
export class NonRetryableError extends WarrenError {}

/** The task's arguments failed its schema. Never retried. */
export class InvalidArgumentsError extends InvalidMessageError {
  constructor(
    readonly task: string,
    readonly problems: readonly string[],
  ) {
    super(`Invalid arguments for ${task}: ${problems.join('; ')}`);
  }
}

/**
 * The message was delivered too often without being acknowledged: each time, whoever held it
 * went away before settling it (a crash or kill, a connection lost to a blocked event loop, a
 * channel the broker closed). The message itself may be the cause, or may not.
 */
export class RedeliveryLimitError extends WarrenError {}

/** Why a task was not run: its caller's deadline (an awaited call's timeout, or `expiresInMs`) had passed when a runtime took it. */
export class TaskExpiredError extends WarrenError {
  constructor(
    readonly task: string,
    readonly deadline: number,
    readonly lateMs: number,
  ) {
    super(`Task '${task}' expired ${lateMs} ms before a runtime could start it (deadline ${new Date(deadline).toISOString()}); not run`);
  }
}

/** The reason of a task's AbortSignal when its soft time limit passes. */
export class SoftTimeLimitError extends WarrenError {
  constructor(
    readonly task: string,
    readonly limitMs: number,
  ) {
    super(`Task '${task}' passed its soft time limit of ${limitMs} ms`);
  }
}

/** A class could not be resolved from the DI container (a provider is missing). */
export class DependencyResolutionError extends WarrenError {}

/**
 * A task ran longer than its hard time limit. A CPU task's thread was stopped; an I/O task's
 * signal fired and its run was abandoned (code that ignores the signal may still be running).
 */
export class TaskTimeLimitError extends WarrenError {
  constructor(
    readonly task: string,
    readonly limitMs: number,
  ) {
    super(`Task '${task}' exceeded its hard time limit of ${limitMs} ms`);
  }
}

/** A CPU worker thread died (process.exit, crash, out of memory) while running the task. */
export class WorkerCrashedError extends WarrenError {}

/** The task was still waiting when the runtime shut down. */
export class RuntimeShuttingDownError extends WarrenError {}

/**
 * What the caller receives when the task threw: the remote error's name, message and stack,
 * plus `data` for any extra own properties the remote error carried (e.g. `code`).
 */
export class RemoteTaskError extends WarrenError {
  constructor(
    readonly task: string,
    readonly taskId: string,
    readonly remoteName: string,
    readonly remoteMessage: string,
    readonly remoteStack: string | undefined,
    readonly data: Record<string, unknown> = {},
  ) {
    super(`Task '${task}' failed with ${remoteName}: ${remoteMessage}`);
  }
}

/** One line that says what an unknown thrown value was. */
export function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** A task's arguments or result cannot travel where they must (to a worker thread, back as JSON): a defect in the task, never retried. */
export class UnsendableValueError extends NonRetryableError {}

/**
 * RabbitMQ is blocking this connection's publishes (a memory or disk alarm: `reason` is the
 * broker's, e.g. "low on memory"), and a publish could not be confirmed within `publishTimeoutMs`.
 */
export class BrokerBlockedError extends TransportError {
  constructor(
    readonly reason: string,
    detail: string,
  ) {
    super(`RabbitMQ is blocking publishes: ${reason}; ${detail}`);
  }
}

/** The result store could not be reached or refused a write; the runtime stops taking work on stored queues until it is back. */
export class ResultStoreError extends WarrenError {}

/** A task's result is larger than `results.maxResultBytes`: the task fails rather than store a truncated row. */
export class ResultTooLargeError extends NonRetryableError {
  constructor(
    readonly task: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`The result of ${task} is ${bytes} bytes encoded, over results.maxResultBytes (${limit}): return less, or store the data elsewhere and return where`);
  }
}

/** `client.result(id)` found no finished task with that id within its timeout. */
export class ResultTimeoutError extends WarrenError {
  constructor(
    readonly taskId: string,
    readonly timeoutMs: number,
    readonly lastState: string,
  ) {
    super(`Task ${taskId} had no result after ${timeoutMs} ms (last known state: ${lastState})`);
  }
}

/** A call that needs a result store (`client.result`, `warren result`) where none is configured. */
export class NoResultStoreError extends WarrenError {}

/** A replay stopped by a failure that is not one message's (the broker went away): what it did until then is in `summary`. */
export class ReplayInterruptedError extends WarrenError {
  constructor(
    readonly summary: ReplaySummary,
    options: { cause: unknown },
  ) {
    super(`Replay stopped after ${summary.replayed} replayed and ${summary.skipped} skipped: ${describe(options.cause)}`, options);
  }
}
