import type { QueuedMessage } from './broker';

/** One row of the results table. */
export interface Tally {
  readonly sent: number;
  /** Sent ids recorded as completed at least once. */
  readonly completed: number;
  /** Sent ids recorded as completed more than once. */
  readonly duplicated: number;
  /** Dead-letter entries of sent ids (messages in the DLQs). */
  readonly deadLettered: number;
  /** Sent ids with at least one dead-letter entry (fewer than `deadLettered` if one was dead-lettered twice). */
  readonly deadLetteredIds: number;
  /** Sent ids neither completed nor dead-lettered. */
  readonly lost: number;
  readonly lostIds: readonly string[];
  /** Sent ids both completed and dead-lettered (a run finished, then another copy was dead-lettered). */
  readonly completedAndDead: readonly string[];
  /** Dead-letter entries whose id the scenario never sent. */
  readonly strayDeadLetters: number;
}

export function tally(sentIds: ReadonlySet<string>, doneCounts: ReadonlyMap<string, number>, deadLetters: readonly QueuedMessage[]): Tally {
  const dead = new Set<string>();
  let entries = 0;
  let stray = 0;
  for (const entry of deadLetters) {
    if (entry.id !== undefined && sentIds.has(entry.id)) {
      dead.add(entry.id);
      entries++;
    } else stray++;
  }
  let completed = 0;
  let duplicated = 0;
  const lostIds: string[] = [];
  const completedAndDead: string[] = [];
  for (const id of sentIds) {
    const runs = doneCounts.get(id) ?? 0;
    if (runs > 0) completed++;
    if (runs > 1) duplicated++;
    if (runs > 0 && dead.has(id)) completedAndDead.push(id);
    if (runs === 0 && !dead.has(id)) lostIds.push(id);
  }
  return { sent: sentIds.size, completed, duplicated, deadLettered: entries, deadLetteredIds: dead.size, lost: lostIds.length, lostIds, completedAndDead, strayDeadLetters: stray };
}
