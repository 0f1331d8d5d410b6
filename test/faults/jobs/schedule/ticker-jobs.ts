import { Schedule, Task } from '../../../../src';
import { record } from '../record';

/** Fires every second; each firing records itself (its task id is the tick) for the scenario to count. */
@Task({ queue: 'fault-ticks', pool: 'io' })
export class FaultTicker {
  @Schedule({ everyMs: 1_000 }, { name: 'fault-every-second' })
  tick(): void {
    record('done');
  }
}
