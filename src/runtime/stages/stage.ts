import type { SerializedError } from '../../protocol/serialized-error';
import type { TaskRequest } from '../../protocol/task-request';
import type { TaskDefinition } from '../../registry/task-definition';
import type { Delivery, PublishOutcome } from '../../transport/transport';
import type { TaskEvent } from '../task-event';

/** A delivery that was decoded and is for a task this queue serves: what the stages see. */
export interface Admitted {
  readonly delivery: Delivery;
  readonly request: TaskRequest;
  readonly definition: TaskDefinition;
  /** The arguments the task will be called with: a stage may replace them (a schema's transforms). */
  args: readonly unknown[];
}

/** What a stage may do with a delivery instead of letting it run now. Each ends the delivery here. */
export interface StageActions<A extends Admitted> {
  /** Never run: dead-lettered with the reason, and a waiting caller is told why. */
  reject(admitted: A, error: unknown): Promise<void>;
  /** Not run here now: acknowledged once the copy that takes its place is confirmed, reported as `outcome` when given. */
  replaceWith(admitted: A, copy: Promise<PublishOutcome>, report?: { outcome: TaskEvent['outcome']; nextAttemptAt: number }): Promise<void>;
  /** Not run and not kept: acknowledged (after its row is stored), counted and logged as `outcome`. */
  drop(admitted: A, outcome: 'expired', error: SerializedError): Promise<void>;
}

/**
 * One step between receipt and run, in a fixed order (see delivery-stages.ts): it lets the
 * delivery go on (`true`) or ends it through one of the actions (`false`). A new run option is
 * a new stage, not a change to the consumer.
 */
export interface DeliveryStage {
  readonly name: string;
  admit<A extends Admitted>(admitted: A, act: StageActions<A>): boolean | Promise<boolean>;
}
