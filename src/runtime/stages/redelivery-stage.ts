import { RedeliveryLimitError } from '../../errors';
import { HEADERS } from '../../protocol/headers';
import { positiveInteger } from '../../protocol/task-request';
import type { Republisher } from '../republisher';
import type { Admitted, DeliveryStage, StageActions } from './stage';

/** The header a quorum queue puts on a redelivery: how many of its deliveries ended without an acknowledgement. */
export const BROKER_DELIVERY_COUNT = 'x-delivery-count';

export interface RedeliveryOptions {
  readonly maxRedeliveries: number;
  readonly requeueDelayMs: number;
  /** Whether a queue (by short name) counts its own deliveries: a quorum queue. */
  readonly brokerCounts?: (queue: string) => boolean;
}

/**
 * A redelivered message may be the one that crashed the last runtime; past the limit it is
 * dead-lettered as poison. Only a message that would run is counted. A quorum queue counts
 * deliveries itself (`x-delivery-count`), so the message runs as it is; elsewhere its count goes
 * back to the broker on a fresh copy before it runs again, so the count survives the next crash too.
 */
export function redeliveryStage(republisher: Republisher, options: RedeliveryOptions): DeliveryStage {
  return {
    name: 'redelivery',
    admit(admitted, act) {
      if (!admitted.delivery.redelivered) return true;
      const counted = options.brokerCounts?.(admitted.definition.queue) ? positiveInteger(admitted.delivery.properties.headers?.[BROKER_DELIVERY_COUNT]) : undefined;
      // No count on a quorum queue's redelivery: a broker that does not count (the embedded one), so the runtime does.
      if (counted !== undefined) return counted > options.maxRedeliveries ? reject(admitted, act, counted) : true;
      return count(admitted, act);
    },
  };

  async function count<A extends Admitted>(admitted: A, act: StageActions<A>): Promise<boolean> {
    const { delivery, request } = admitted;
    const redeliveries = (positiveInteger(delivery.properties.headers?.[HEADERS.redeliveries]) ?? 0) + 1;
    if (redeliveries > options.maxRedeliveries) return reject(admitted, act, redeliveries);
    await act.replaceWith(admitted, republisher.requeueCounted(delivery, request.task, redeliveries, options.requeueDelayMs));
    return false;
  }

  async function reject<A extends Admitted>(admitted: A, act: StageActions<A>, deliveries: number): Promise<boolean> {
    await act.reject(
      admitted,
      new RedeliveryLimitError(
        `Delivered ${deliveries} times without being acknowledged (limit ${options.maxRedeliveries}): each time, the runtime holding it went away before settling it ` +
          `(a crash or kill, a connection lost, a channel the broker closed); a task that crashes its runtime does this`,
      ),
    );
    return false;
  }
}
