import type { Republisher } from '../republisher';
import { argumentStage } from './argument-stage';
import { delayStage } from './delay-stage';
import { expiryStage } from './expiry-stage';
import { redeliveryStage, type RedeliveryOptions } from './redelivery-stage';
import type { DeliveryStage } from './stage';

/**
 * The stages every delivery passes before it runs, in order: a task nobody waits for is dropped
 * first, one not yet due waits without being counted or checked, a redelivered one is counted
 * (only a message about to run can be the one that crashed a runtime), and the arguments are
 * checked last, just before the run.
 */
export function deliveryStages(republisher: Republisher, options: RedeliveryOptions): readonly DeliveryStage[] {
  return [expiryStage, delayStage(republisher), redeliveryStage(republisher, options), argumentStage];
}
