/** Which dead letters an action applies to; every field given must match, and an empty filter matches all. */
export interface DeadLetterFilter {
  /** The task name, exactly (`Crawler.fetch`). */
  readonly task?: string;
  /** Part of `<error name>: <reason>`, in any case (`TimeoutError`, `closed`). */
  readonly reason?: string;
  /** The task id (AMQP message id), exactly. */
  readonly taskId?: string;
}

/** The parts of a dead letter a filter reads. */
export interface FilterableDeadLetter {
  readonly taskId: string | undefined;
  readonly task: string | undefined;
  readonly errorName: string | undefined;
  readonly reason: string | undefined;
}

export function matchesDeadLetter(entry: FilterableDeadLetter, filter: DeadLetterFilter): boolean {
  if (filter.taskId !== undefined && entry.taskId !== filter.taskId) return false;
  if (filter.task !== undefined && entry.task !== filter.task) return false;
  if (filter.reason !== undefined && !`${entry.errorName ?? ''}: ${entry.reason ?? ''}`.toLowerCase().includes(filter.reason.toLowerCase())) return false;
  return true;
}

/** The filter in words, for questions and messages: `task Crawler.fetch, reason containing "closed"`. */
export function describeFilter(filter: DeadLetterFilter): string {
  const parts: string[] = [];
  if (filter.taskId !== undefined) parts.push(`task id ${filter.taskId}`);
  if (filter.task !== undefined) parts.push(`task ${filter.task}`);
  if (filter.reason !== undefined) parts.push(`reason containing "${filter.reason}"`);
  return parts.join(', ');
}
