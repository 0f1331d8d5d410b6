import { TaskExpiredError } from '../../errors';
import { serializeError } from '../../protocol/serialized-error';
import type { DeliveryStage } from './stage';

/** Nobody waits for it any more (its caller gave up): not run and not kept, counted as `expired`. */
export const expiryStage: DeliveryStage = {
  name: 'expiry',
  admit(admitted, act) {
    const { deadline, task } = admitted.request;
    if (deadline === undefined || Date.now() <= deadline) return true;
    return act.drop(admitted, 'expired', serializeError(new TaskExpiredError(task, deadline, Math.round(Date.now() - deadline)))).then(() => false);
  },
};
