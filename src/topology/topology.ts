import type { QueueDefinition } from '../registry/task-definition';
import { buildDelayCascade } from './delay-cascade';
import { CLASSIC_QUEUES, queueTypeArguments, type QueueTypes } from './queue-types';

export interface ExchangeDeclaration {
  readonly name: string;
  readonly type: 'direct' | 'topic' | 'headers' | 'fanout';
  readonly durable: boolean;
}

export interface QueueDeclaration {
  readonly name: string;
  readonly durable: boolean;
  readonly arguments: Readonly<Record<string, string | number | boolean>>;
}

export interface BindingDeclaration {
  readonly queue: string;
  readonly exchange: string;
  readonly routingKey: string;
  /** For headers exchanges: the headers a message must carry (`x-match: all`). */
  readonly arguments?: Readonly<Record<string, string | number>>;
}

/** An exchange bound to another: what `source` routes by this binding, `destination` routes on. */
export interface ExchangeBindingDeclaration {
  readonly destination: string;
  readonly source: string;
  readonly routingKey: string;
  readonly arguments?: Readonly<Record<string, string | number>>;
}

/** Everything a runtime declares on the broker, in the order it must be declared. */
export interface Topology {
  readonly exchanges: readonly ExchangeDeclaration[];
  readonly queues: readonly QueueDeclaration[];
  readonly bindings: readonly BindingDeclaration[];
  readonly exchangeBindings?: readonly ExchangeBindingDeclaration[];
  /** Bindings to remove once `bindings` are in place: ones another runtime may have left that no longer say where a task goes. */
  readonly unbindings?: readonly BindingDeclaration[];
}

/** Past this many, start-up would spend seconds removing bindings that rarely exist; deliveries that meet one remove it then. */
export const MAX_START_UNBINDINGS = 2_000;

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

  /** Headers exchange of one delay level (see delay-cascade.ts); a delayed message keeps its task name as routing key. */
  delayLevelExchange(level: number): string {
    return `${this.namespace}.delay.level${String(level).padStart(2, '0')}`;
  }

  workQueue(queue: string): string {
    return `${this.namespace}.${queue}`;
  }

  deadLetterQueue(queue: string): string {
    return `${this.namespace}.${queue}.dead`;
  }

  /** The TTL queue of one delay level, named with its TTL: `warren.delay.level07.128ms`. */
  delayLevelQueue(level: number): string {
    return `${this.delayLevelExchange(level)}.${2 ** level}ms`;
  }

  /** Single-active-consumer queue holding the schedules' token: whoever the broker gives it to fires the schedules. */
  get schedulesQueue(): string {
    return `${this.namespace}.schedules`;
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
 * Delays (retries, countdowns, hand-backs) walk the delay cascade shared by every work queue
 * (delay-cascade.ts), which ends at the tasks exchange: a message comes back by its task name.
 * `types` says which queues are quorum (queue-types.ts); without it, all are classic.
 */
export function buildTopology(queues: readonly QueueDefinition[], names: TopologyNames, types: QueueTypes = CLASSIC_QUEUES): Topology {
  const cascade = buildDelayCascade(names, types.namespace);
  const exchanges: ExchangeDeclaration[] = [
    { name: names.tasksExchange, type: 'direct', durable: true },
    { name: names.deadLetterExchange, type: 'direct', durable: true },
    ...cascade.exchanges,
  ];
  const declarations: QueueDeclaration[] = [...cascade.queues];
  const bindings: BindingDeclaration[] = [...cascade.bindings];
  for (const queue of [...queues].sort((a, b) => a.name.localeCompare(b.name))) {
    const work = names.workQueue(queue.name);
    const dead = names.deadLetterQueue(queue.name);
    // A dead-letter queue has its work queue's type: what failed survives whatever the work would have.
    const type = types.of(queue.name);
    declarations.push(
      {
        name: work,
        durable: true,
        // A message the runtime rejects without requeue (it could not even be read) still lands in the DLQ.
        arguments: {
          'x-dead-letter-exchange': names.deadLetterExchange,
          'x-dead-letter-routing-key': queue.name,
          ...queueTypeArguments(type, { deadLetters: true, deliveryLimit: types.deliveryLimit }),
        },
      },
      { name: dead, durable: true, arguments: queueTypeArguments(type, { deadLetters: false }) },
    );
    bindings.push({ queue: dead, exchange: names.deadLetterExchange, routingKey: queue.name });
    for (const task of [...queue.tasks].sort()) {
      bindings.push({ queue: work, exchange: names.tasksExchange, routingKey: task });
    }
  }
  return { exchanges, queues: declarations, bindings, exchangeBindings: cascade.exchangeBindings, unbindings: movedTaskUnbindings(queues, names) };
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
