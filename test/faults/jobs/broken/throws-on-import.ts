import { Task } from '../../../../src';

@Task({ queue: 'fault-broken', pool: 'io' })
export class FaultBroken {
  run(): void {}
}

// Every import of this module fails, as a job module with a missing setting would.
throw new Error('fault suite: this job module throws on every import');
