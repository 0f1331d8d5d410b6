import { RedeliveryLimitError } from '../../errors';
import { HEADERS } from '../../protocol/headers';
import { positiveInteger } from '../../protocol/task-request';
import type { Republisher } from '../republisher';
import type { Admitted, DeliveryStage, StageActions } from './stage';

/**
 * A redelivered message may be the one that crashed the last runtime. Before it runs again, its
 * count goes back to the broker on a fresh copy, so the count survives the next crash too; past
 * the limit it is dead-lettered as poison. Only a message that would run is counted.
 */
export function redeliveryStage(republisher: Republisher, options: { maxRedeliveries: number; requeueDelayMs: number }): DeliveryStage {
  return {
    name: 'redelivery',
    admit(admitted, act) {
      if (!admitted.delivery.redelivered) return true;
      return count(admitted, act);
    },
  };

  async function count<A extends Admitted>(admitted: A, act: StageActions<A>): Promise<boolean> {
    const { delivery, request } = admitted;
    const redeliveries = (positiveInteger(delivery.properties.headers?.[HEADERS.redeliveries]) ?? 0) + 1;
    if (redeliveries > options.maxRedeliveries) {
      await act.reject(
        admitted,
        new RedeliveryLimitError(
          `Delivered ${redeliveries} times without being acknowledged (limit ${options.maxRedeliveries}): each time, the runtime holding it went away before settling it ` +
            `(a crash or kill, a connection lost, a channel the broker closed); a task that crashes its runtime does this`,
        ),
      );
      return false;
    }
    await act.replaceWith(admitted, republisher.requeueCounted(delivery, request.task, redeliveries, options.requeueDelayMs));
    return false;
  }
}
