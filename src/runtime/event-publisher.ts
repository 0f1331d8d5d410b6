import type { Logger } from 'pino';
import { JSON_CONTENT_TYPE } from '../protocol/headers';
import type { TopologyNames, Topology } from '../topology/topology';
import type { Transport } from '../transport/transport';
import type { TaskEvent, TaskStartedEvent } from './task-event';

/** How long events of a kind nobody listens to are dropped before the broker is asked again. */
const UNHEARD_BACKOFF_MS = 2_000;

/** Pure: the topic exchange lifecycle events go to. Nothing is bound to it unless someone listens. */
export function buildEventsTopology(names: TopologyNames): Topology {
  return { exchanges: [{ name: names.eventsExchange, type: 'topic', durable: true }], queues: [], bindings: [] };
}

/**
 * Publishes task lifecycle events to `<ns>.events`, batched: every `intervalMs`, one message per
 * kind with routing key `task.<kind>` (`task.started`, `task.succeeded`, `task.retried`,
 * `task.failed`, `task.rejected`) and a JSON array of events as body. Bind `task.*` or
 * `task.failed` to listen. Batching keeps it cheap: a few small messages a second whatever the
 * task rate; and when the broker says nobody listens to a kind, its events are not even
 * serialized for the next two seconds.
 */
export class EventPublisher {
  private batch = new Map<string, Array<TaskEvent | TaskStartedEvent>>();
  private timer: NodeJS.Timeout | undefined;
  /** Per kind: until when (epoch ms) nobody is known to listen, so its events are not even collected. */
  private readonly unheardUntil = new Map<string, number>();

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

  /** False while nobody is known to listen to this kind: its events need not even be built. */
  wants(kind: string): boolean {
    const unheard = this.unheardUntil.get(kind);
    return unheard === undefined || Date.now() >= unheard;
  }

  add(event: TaskEvent | TaskStartedEvent): void {
    const kind = 'outcome' in event ? event.outcome : 'started';
    if (!this.wants(kind)) return;
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
      [...batch].map(async ([kind, events]) => {
        try {
          // mandatory: the broker says when no queue is bound for this kind. Then its events are
          // not collected for a few seconds, after which the next batch asks again: a listener
          // that binds hears within that time, and nobody listening costs next to nothing.
          const outcome = await this.transport.publish(
            this.names.eventsExchange,
            `task.${kind}`,
            Buffer.from(JSON.stringify({ runtime: this.runtimeId, events })),
            { messageId: `events-${this.runtimeId}-${kind}-${Date.now()}`, contentType: JSON_CONTENT_TYPE, timestamp: Math.floor(Date.now() / 1000), persistent: false },
            { mandatory: true },
          );
          if (outcome === 'unroutable') this.unheardUntil.set(kind, Date.now() + UNHEARD_BACKOFF_MS);
          else this.unheardUntil.delete(kind);
        } catch (error) {
          this.logger.debug({ err: error }, 'lifecycle events not published');
        }
      }),
    );
  }
}
