import { InvalidArgumentsError } from '../../errors';
import { validateWith } from '../../validation/standard-schema';
import type { DeliveryStage } from './stage';

/** The task's argument schema, when it has one, checks (and may transform) the arguments; bad ones are dead-lettered. */
export const argumentStage: DeliveryStage = {
  name: 'arguments',
  admit(admitted, act) {
    const schema = admitted.definition.argsSchema;
    if (!schema) return true;
    return validateWith(schema, admitted.args).then(async (checked) => {
      if (!checked.ok) {
        await act.reject(admitted, new InvalidArgumentsError(admitted.request.task, checked.problems));
        return false;
      }
      admitted.args = checked.value as unknown[];
      return true;
    });
  },
};
