import type { Logger } from 'pino';
import { JSON_CONTENT_TYPE } from '../protocol/headers';
import { parseControlRequest, type ControlReply } from '../protocol/control-message';
import { replyAddressProblem } from '../protocol/reply-address';
import { buildControlTopology, type TopologyNames } from '../topology/topology';
import type { Subscription, Transport } from '../transport/transport';
import type { RuntimeSnapshot } from './runtime-snapshot';
import type { TaskTracker } from './task-tracker';

/** Answers the questions broadcast on the control exchange: `warren inspect` and `client.status(id)`. */
export class ControlResponder {
  private subscription: Subscription | undefined;

  constructor(
    private readonly transport: Transport,
    private readonly names: TopologyNames,
    private readonly runtimeId: string,
    private readonly tracker: TaskTracker,
    private readonly snapshot: () => RuntimeSnapshot,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    await this.transport.declare(buildControlTopology(this.names, this.runtimeId));
    this.subscription = await this.transport.consume(this.names.controlQueue(this.runtimeId), 16, (delivery) => {
      delivery.ack(); // questions are cheap to ask again: never redeliver them
      const request = parseControlRequest(delivery.body);
      const replyTo = delivery.properties.replyTo;
      if (!request || !replyTo) return;
      const problem = replyAddressProblem(replyTo);
      if (problem) return this.logger.warn({ replyTo: replyTo.slice(0, 120) }, `control request not answered: its replyTo ${problem}`);
      const reply: ControlReply =
        request.op === 'inspect' ? { runtime: this.runtimeId, snapshot: this.snapshot() } : { runtime: this.runtimeId, status: this.tracker.get(request.taskId) };
      this.transport
        .reply(replyTo, Buffer.from(JSON.stringify(reply)), { correlationId: delivery.properties.correlationId, contentType: JSON_CONTENT_TYPE })
        .catch((error: unknown) => this.logger.debug({ err: error }, 'control reply failed'));
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.cancel();
  }
}
