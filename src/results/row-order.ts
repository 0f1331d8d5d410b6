import type { TaskState } from '../runtime/task-status';
import type { StoredTask } from './result-store';

/**
 * How far along its attempt a state is: rows of one task arrive out of order (writes of one task
 * travel in different batches, from different runtimes), and the later phase wins.
 */
export function phaseOf(state: TaskState): number {
  switch (state) {
    case 'running':
      return 1;
    case 'retrying':
      return 2;
    case 'succeeded':
    case 'failed':
    case 'dead-lettered':
    case 'expired':
      return 3;
    default:
      return 0; // queued, scheduled, unknown
  }
}

/** The phase of a final state: its row holds the outcome for good. */
export const FINAL_PHASE = 3;

/**
 * Whether `incoming` replaces `stored`: never over a final row (a task run again because its ack
 * was lost keeps the outcome already read), and only for the same or a later attempt and phase.
 * The PostgreSQL upsert's WHERE says the same.
 */
export function supersedes(incoming: Pick<StoredTask, 'state' | 'attempt'>, stored: Pick<StoredTask, 'state' | 'attempt'> | undefined): boolean {
  if (!stored) return true;
  const storedPhase = phaseOf(stored.state);
  if (storedPhase === FINAL_PHASE) return false;
  if (incoming.attempt !== stored.attempt) return incoming.attempt > stored.attempt;
  return phaseOf(incoming.state) >= storedPhase;
}
