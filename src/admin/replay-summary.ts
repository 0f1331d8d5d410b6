/** Dead letters left in place by a replay, grouped by why. */
export interface SkippedGroup {
  readonly reason: string;
  readonly count: number;
  /** The first few of them (`(no id)` for a message without one), so a group of 100 000 stays small. */
  readonly taskIds: readonly string[];
}

/** What a replay did: printed by the CLI (`--json` too) and returned by the dashboard in every outcome. */
export interface ReplaySummary {
  readonly replayed: number;
  /** Could not be replayed and stay in the dead-letter queue (see `skippedReasons`). */
  readonly skipped: number;
  readonly skippedReasons: readonly SkippedGroup[];
  /** In the dead-letter queue afterwards (unmatched, skipped and newly arrived); undefined when the broker could not say. */
  readonly remaining: number | undefined;
  /** Why the replay stopped before the end (the broker went away), if it did. */
  readonly error?: string;
}

const IDS_PER_GROUP = 10;

/** Counts a replay as it goes, in bounded memory however many dead letters it skips. */
export class ReplayTally {
  replayed = 0;
  private readonly skips = new Map<string, { count: number; taskIds: string[] }>();

  skip(taskId: string | undefined, reason: string): void {
    const group = this.skips.get(reason) ?? { count: 0, taskIds: [] };
    group.count++;
    if (group.taskIds.length < IDS_PER_GROUP) group.taskIds.push(taskId ?? '(no id)');
    this.skips.set(reason, group);
  }

  get skipped(): number {
    let count = 0;
    for (const group of this.skips.values()) count += group.count;
    return count;
  }

  summary(remaining: number | undefined, error?: string): ReplaySummary {
    const skippedReasons = [...this.skips].map(([reason, group]) => ({ reason, count: group.count, taskIds: group.taskIds })).sort((a, b) => b.count - a.count);
    return { replayed: this.replayed, skipped: this.skipped, skippedReasons, remaining, ...(error === undefined ? {} : { error }) };
  }
}
