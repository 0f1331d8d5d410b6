import { Task } from '../../../src';
import { record } from './record';

/** An I/O task that must not exist in a real app: it blocks the main thread, and with it every queue. */
@Task({ queue: 'fault-io', pool: 'io' })
export class FaultStall {
  /** A busy loop of `ms` on the event loop, then recorded as done. */
  block(ms: number): number {
    const until = Date.now() + ms;
    let spins = 0;
    while (Date.now() < until) spins++;
    record('done');
    return spins;
  }
}
