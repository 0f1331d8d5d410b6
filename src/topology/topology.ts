import type { QueueDefinition } from '../registry/task-definition';

export interface ExchangeDeclaration {
  readonly name: string;
  readonly type: 'direct' | 'topic' | 'headers' | 'fanout';
  readonly durable: boolean;
}

export interface QueueDeclaration {
  readonly name: string;
  readonly durable: boolean;
  readonly arguments: Readonly<Record<string, string | number>>;
}

export interface BindingDeclaration {
  readonly queue: string;
  readonly exchange: string;
  readonly routingKey: string;
  /** For headers exchanges: the headers a message must carry (`x-match: all`). */
  readonly arguments?: Readonly<Record<string, string | number>>;
}

/** Everything a runtime declares on the broker, in the order it must be declared. */
export interface Topology {
  readonly exchanges: readonly ExchangeDeclaration[];
  readonly queues: readonly QueueDeclaration[];
  readonly bindings: readonly BindingDeclaration[];
  /** Bindings to remove once `bindings` are in place: ones another runtime may have left that no longer say where a task goes. */
  readonly unbindings?: readonly BindingDeclaration[];
}

/** Past this many, start-up would spend seconds removing bindings that rarely exist; deliveries that meet one remove it then. */
export const MAX_START_UNBINDINGS = 2_000;

/**
 * The header that picks a retry message's delay tier on the delay exchange. It must not start
 * with `x-`: RabbitMQ's headers exchange ignores such binding arguments, and the message would
 * then match every tier.
 */
export const DELAY_TIER_HEADER = 'warren-delay-tier';

/**
 * The only place that knows how Warren names things on the broker.
 * Every name starts with the namespace, so two deployments (or two tests) never collide.
 */
export class TopologyNames {
  constructor(readonly namespace: string) {}

  /** Direct exchange; routing key = task name. Clients publish here. */
  get tasksExchange(): string {
    return `${this.namespace}.tasks`;
  }

  /** Direct exchange; routing key = the work queue's short name. */
  get deadLetterExchange(): string {
    return `${this.namespace}.dead`;
  }

  /** Headers exchange; a retry carries its tier in `warren-delay-tier` and keeps its task name as routing key. */
  get delayExchange(): string {
    return `${this.namespace}.delay`;
  }

  workQueue(queue: string): string {
    return `${this.namespace}.${queue}`;
  }

  deadLetterQueue(queue: string): string {
    return `${this.namespace}.${queue}.dead`;
  }

  delayQueue(tierMs: number): string {
    return `${this.namespace}.delay.${tierMs}ms`;
  }

  /** Topic exchange of task lifecycle events, routing key `task.<outcome>`. */
  get eventsExchange(): string {
    return `${this.namespace}.events`;
  }

  /** Fanout exchange: a question for every runtime (inspect, task status). */
  get controlExchange(): string {
    return `${this.namespace}.control`;
  }

  controlQueue(runtimeId: string): string {
    return `${this.namespace}.control.${runtimeId}`;
  }
}

/**
 * Pure: a runtime's own control queue. Not durable, and expiring a minute after its runtime is
 * gone, so dead runtimes leave nothing behind.
 */
export function buildControlTopology(names: TopologyNames, runtimeId: string): Topology {
  const queue = names.controlQueue(runtimeId);
  return {
    exchanges: [{ name: names.controlExchange, type: 'fanout', durable: true }],
    queues: [{ name: queue, durable: false, arguments: { 'x-expires': 60_000 } }],
    bindings: [{ queue, exchange: names.controlExchange, routingKey: '' }],
  };
}

/**
 * Pure: the declarations that serve these queues. Idempotent to declare again.
 *
 * Retries wait in TTL queues, one per delay tier, shared by every work queue: when a message's
 * time is up, RabbitMQ dead-letters it to the tasks exchange with its original routing key (the
 * task name), which puts it back on its work queue. One TTL per queue means messages expire in
 * the order they entered, so a long delay never holds a short one behind it.
 */
export function buildTopology(queues: readonly QueueDefinition[], names: TopologyNames, delayTiersMs: readonly number[]): Topology {
  const exchanges: ExchangeDeclaration[] = [
    { name: names.tasksExchange, type: 'direct', durable: true },
    { name: names.deadLetterExchange, type: 'direct', durable: true },
    { name: names.delayExchange, type: 'headers', durable: true },
  ];
  const declarations: QueueDeclaration[] = [];
  const bindings: BindingDeclaration[] = [];
  for (const tier of [...delayTiersMs].sort((a, b) => a - b)) {
    const name = names.delayQueue(tier);
    declarations.push({ name, durable: true, arguments: { 'x-message-ttl': tier, 'x-dead-letter-exchange': names.tasksExchange } });
    bindings.push({ queue: name, exchange: names.delayExchange, routingKey: '', arguments: { 'x-match': 'all', [DELAY_TIER_HEADER]: tier } });
  }
  for (const queue of [...queues].sort((a, b) => a.name.localeCompare(b.name))) {
    const work = names.workQueue(queue.name);
    const dead = names.deadLetterQueue(queue.name);
    declarations.push(
      {
        name: work,
        durable: true,
        // A message the runtime rejects without requeue (it could not even be read) still lands in the DLQ.
        arguments: { 'x-dead-letter-exchange': names.deadLetterExchange, 'x-dead-letter-routing-key': queue.name },
      },
      { name: dead, durable: true, arguments: {} },
    );
    bindings.push({ queue: dead, exchange: names.deadLetterExchange, routingKey: queue.name });
    for (const task of [...queue.tasks].sort()) {
      bindings.push({ queue: work, exchange: names.tasksExchange, routingKey: task });
    }
  }
  return { exchanges, queues: declarations, bindings, unbindings: movedTaskUnbindings(queues, names) };
}

/**
 * Pure: each task this runtime serves, unbound from every other queue it serves. A task moved
 * between queues leaves its old binding on the broker, and an old binding copies every call to
 * both queues: removed once the new one is in place, new calls reach only the new queue.
 */
export function movedTaskUnbindings(queues: readonly QueueDefinition[], names: TopologyNames): BindingDeclaration[] {
  const pairs = queues.reduce((sum, queue) => sum + queue.tasks.length, 0) * Math.max(0, queues.length - 1);
  if (pairs > MAX_START_UNBINDINGS) return [];
  const sorted = [...queues].sort((a, b) => a.name.localeCompare(b.name));
  const unbindings: BindingDeclaration[] = [];
  for (const queue of sorted) {
    for (const other of sorted) {
      if (other === queue) continue;
      for (const task of [...other.tasks].sort()) unbindings.push({ queue: names.workQueue(queue.name), exchange: names.tasksExchange, routingKey: task });
    }
  }
  return unbindings;
}
