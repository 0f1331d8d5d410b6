import type { Logger } from 'pino';
import { JSON_CONTENT_TYPE } from '../protocol/headers';
import type { TopologyNames, Topology } from '../topology/topology';
import type { Transport } from '../transport/transport';
import type { TaskEvent, TaskStartedEvent } from './task-event';

/** Pure: the topic exchange lifecycle events go to. Nothing is bound to it unless someone listens. */
export function buildEventsTopology(names: TopologyNames): Topology {
  return { exchanges: [{ name: names.eventsExchange, type: 'topic', durable: true }], queues: [], bindings: [] };
}

/**
 * Publishes task lifecycle events to `<ns>.events`, batched: every `intervalMs`, one message per
 * kind with routing key `task.<kind>` (`task.started`, `task.succeeded`, `task.retried`,
 * `task.failed`, `task.rejected`) and a JSON array of events as body. Bind `task.*` or `task.failed` to listen. Batching keeps it cheap when nobody
 * does: a few small messages a second whatever the task rate, and none when idle.
 */
export class EventPublisher {
  private batch = new Map<string, Array<TaskEvent | TaskStartedEvent>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly transport: Transport,
    private readonly names: TopologyNames,
    private readonly runtimeId: string,
    private readonly logger: Logger,
    private readonly intervalMs = 250,
  ) {}

  async start(): Promise<void> {
    await this.transport.declare(buildEventsTopology(this.names));
  }

  add(event: TaskEvent | TaskStartedEvent): void {
    const kind = 'outcome' in event ? event.outcome : 'started';
    const list = this.batch.get(kind);
    if (list) list.push(event);
    else this.batch.set(kind, [event]);
    this.timer ??= setTimeout(() => void this.flush(), this.intervalMs).unref();
  }

  /** Sends what is batched now (also on shutdown). Best effort: events are not tasks. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.batch;
    this.batch = new Map();
    await Promise.all(
      [...batch].map(([outcome, events]) =>
        this.transport
          .publish(this.names.eventsExchange, `task.${outcome}`, Buffer.from(JSON.stringify({ runtime: this.runtimeId, events })), {
            contentType: JSON_CONTENT_TYPE,
            timestamp: Math.floor(Date.now() / 1000),
            persistent: false,
          })
          .catch((error: unknown) => this.logger.debug({ err: error }, 'lifecycle events not published')),
      ),
    );
  }
}
