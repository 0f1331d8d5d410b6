import { InvalidMessageError } from '../../errors';
import { MAX_DELAY_MS } from '../../policy/delay-limits';
import type { Republisher } from '../republisher';
import type { DeliveryStage } from './stage';

/**
 * A task not yet due (a countdown, an ETA) goes into the delay cascade until its time, and
 * comes back here then: the broker holds it, not this runtime. A due time further ahead than
 * any caller may ask for is a hostile or broken header: dead-lettered, not waited for.
 */
export function delayStage(republisher: Republisher): DeliveryStage {
  return {
    name: 'delay',
    admit(admitted, act) {
      const { dueAt, task } = admitted.request;
      if (dueAt === undefined) return true;
      const waitMs = dueAt - Date.now();
      if (waitMs < 1) return true;
      if (waitMs > MAX_DELAY_MS) {
        return act.reject(admitted, new InvalidMessageError(`Due ${new Date(dueAt).toISOString()}, over ${MAX_DELAY_MS / 86_400_000} days ahead, the longest delay Warren serves`)).then(() => false);
      }
      return act.replaceWith(admitted, republisher.schedule(admitted.delivery, task, dueAt), { outcome: 'scheduled', nextAttemptAt: dueAt }).then(() => false);
    },
  };
}
