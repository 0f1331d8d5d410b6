import type { QueueDefinition } from '../registry/task-definition';

export interface ExchangeDeclaration {
  readonly name: string;
  readonly type: 'direct' | 'topic' | 'fanout';
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
}

/** Everything a runtime declares on the broker, in the order it must be declared. */
export interface Topology {
  readonly exchanges: readonly ExchangeDeclaration[];
  readonly queues: readonly QueueDeclaration[];
  readonly bindings: readonly BindingDeclaration[];
}

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

  workQueue(queue: string): string {
    return `${this.namespace}.${queue}`;
  }

  deadLetterQueue(queue: string): string {
    return `${this.namespace}.${queue}.dead`;
  }
}

/** Pure: the declarations that serve these queues. Idempotent to declare again. */
export function buildTopology(queues: readonly QueueDefinition[], names: TopologyNames): Topology {
  const exchanges: ExchangeDeclaration[] = [
    { name: names.tasksExchange, type: 'direct', durable: true },
    { name: names.deadLetterExchange, type: 'direct', durable: true },
  ];
  const declarations: QueueDeclaration[] = [];
  const bindings: BindingDeclaration[] = [];
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
  return { exchanges, queues: declarations, bindings };
}
