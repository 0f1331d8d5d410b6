import type { Scenario } from '../support/scenario';
import { brokerRestartScenario } from './broker-restart';
import { closeConnectionsScenario } from './close-connections';
import { CLUSTER_SCENARIOS } from './cluster';
import { delayedScenario } from './delayed';
import { hangScenario } from './hang';
import { hostileScenario } from './hostile-messages';
import { ioOverrunScenario } from './io-overrun';
import { ioStallScenario } from './io-stall';
import { leftoverRejectionScenario } from './leftover-rejection';
import { poisonScenario } from './poison';
import { resourceAlarmScenario } from './resource-alarm';
import { retryScenario } from './retry-dead-letter';
import { resultsBrokerRestartScenario, resultsPostgresRestartScenario } from './results-store';
import { schedulerKillScenario } from './scheduler-kill';
import { sigkillScenario } from './sigkill';
import { sigtermScenario } from './sigterm';
import { workerCrashScenario } from './worker-crashes';

/** Every scenario, in the order they run (the numbering of the brief). */
export const SCENARIOS: readonly Scenario[] = [
  sigkillScenario,
  brokerRestartScenario,
  closeConnectionsScenario,
  retryScenario,
  hangScenario,
  workerCrashScenario,
  hostileScenario,
  sigtermScenario,
  poisonScenario,
  leftoverRejectionScenario,
  ioOverrunScenario,
  resourceAlarmScenario,
  ioStallScenario,
  delayedScenario,
  schedulerKillScenario,
  resultsPostgresRestartScenario,
  resultsBrokerRestartScenario,
];

/** The cluster scenarios (`npm run test:faults -- --cluster`), in the order they run. */
export { CLUSTER_SCENARIOS };
