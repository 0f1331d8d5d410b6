import type { Logger } from 'pino';
import { JSON_CONTENT_TYPE } from '../protocol/headers';
import { parseControlRequest, type ControlReply, type ControlRequest } from '../protocol/control-message';
import { replyAddressProblem } from '../protocol/reply-address';
import { buildControlTopology, type TopologyNames } from '../topology/topology';
import type { Subscription, Transport } from '../transport/transport';
import type { RuntimeSnapshot } from './runtime-snapshot';
import type { ScheduleView } from '../schedule/scheduler';
import type { RuntimeTaskRecord } from './task-description';
import type { TaskStatus } from './task-status';

/** What the runtime answers with. */
export interface ControlAnswers {
  snapshot(): RuntimeSnapshot;
  status(taskId: string): TaskStatus | undefined;
  /** The attempts it saw of a task, for the task page. */
  record(taskId: string): RuntimeTaskRecord | undefined;
  /** Applied only by the runtime that holds the schedules; the others answer undefined. */
  setSchedulePaused(name: string, paused: boolean): ScheduleView | undefined;
}

/** Answers the questions broadcast on the control exchange: `warren inspect`, `client.status(id)`, and pausing a schedule. */
export class ControlResponder {
  private subscription: Subscription | undefined;

  constructor(
    private readonly transport: Transport,
    private readonly names: TopologyNames,
    private readonly runtimeId: string,
    private readonly answers: ControlAnswers,
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
      const reply = this.answer(request);
      this.transport
        .reply(replyTo, Buffer.from(JSON.stringify(reply)), { correlationId: delivery.properties.correlationId, contentType: JSON_CONTENT_TYPE })
        .catch((error: unknown) => this.logger.debug({ err: error }, 'control reply failed'));
    });
  }

  private answer(request: ControlRequest): ControlReply {
    const runtime = this.runtimeId;
    if (request.op === 'inspect') return { runtime, snapshot: this.answers.snapshot() };
    if (request.op === 'status') return request.describe ? { runtime, status: this.answers.status(request.taskId), record: this.answers.record(request.taskId) } : { runtime, status: this.answers.status(request.taskId) };
    return { runtime, schedule: this.answers.setSchedulePaused(request.name, request.paused) };
  }

  async stop(): Promise<void> {
    await this.subscription?.cancel();
  }
}
