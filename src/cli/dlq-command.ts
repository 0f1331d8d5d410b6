import type { DeadLetterEntry, QueueAdmin } from '../admin/queue-admin';
import { describeFilter, type DeadLetterFilter } from '../admin/dead-letter-filter';
import type { ReplaySummary } from '../admin/replay-summary';
import { ReplayInterruptedError } from '../errors';
import { table } from '../format/table';
import { CliError, EXIT, confirm, knownQueue, loadBrokerConfig, openAdmin, print, printJson, type CommonOptions } from './cli-support';

/** `warren dlq list <queue>`: a page of the dead letters, newest first, without removing them. */
export async function dlqListCommand(given: string, options: CommonOptions & { limit?: number; offset?: number }): Promise<void> {
  const offset = options.offset ?? 0;
  const { queue, result: page } = await withAdmin(options, given, (admin, queue) => admin.deadLetters(queue, { offset, limit: options.limit ?? 50 }));
  if (options.json) return printJson(page.entries);
  if (page.entries.length === 0) return print(page.total === 0 ? `no dead letters in ${queue}` : `no dead letters past the ${page.total} of ${queue} (--offset ${offset})`);
  print(table([['TASK ID', 'TASK', 'ATTEMPTS', 'DEAD AT', 'REASON'], ...page.entries.map((e) => [e.taskId ?? '-', e.task ?? '-', String(e.attempts ?? '-'), e.deadAt ?? '-', `${e.errorName ?? ''}: ${e.reason ?? ''}`.slice(0, 100)])], ''));
  const last = offset + page.entries.length;
  print(`${offset + 1}-${last} of ${page.total}, newest first${last < page.total ? `; next page: --offset ${last}` : ''}`);
}

/** `warren dlq show <queue> <task-id>`: one dead letter in full, with its stack and arguments, wherever it is in the queue. */
export async function dlqShowCommand(given: string, taskId: string, options: CommonOptions): Promise<void> {
  const { queue, result: entry } = await withAdmin(options, given, (admin, queue) => admin.deadLetter(queue, taskId));
  if (!entry) throw new CliError(`No dead letter with task id ${taskId} in ${queue}`, EXIT.failed);
  if (options.json) return printJson(entry);
  print(describe(entry));
}

/** `warren dlq delete <queue> <task-id>`: deletes one dead letter, after a confirmation. */
export async function dlqDeleteCommand(given: string, taskId: string, options: CommonOptions & { yes?: boolean }): Promise<void> {
  const { queue, result: deleted } = await withAdmin(options, given, async (admin, queue) => {
    await confirm(`Delete dead letter ${taskId} of ${queue} for good?`, options.yes);
    return admin.deleteDeadLetter(queue, taskId);
  });
  if (!deleted) throw new CliError(`No dead letter with task id ${taskId} in ${queue}`, EXIT.failed);
  if (options.json) printJson({ queue, deleted: taskId });
  else print(`deleted dead letter ${taskId} of ${queue}`);
}

type ReplayCommandOptions = CommonOptions & { limit?: number; yes?: boolean; id?: string; task?: string; reason?: string };

/**
 * `warren dlq replay <queue>`: sends dead letters back as fresh tasks, with progress. One that
 * cannot be replayed is left in place and reported, and the replay goes on: the summary is printed
 * in every outcome, and a replay that skipped any exits EXIT.partial.
 */
export async function dlqReplayCommand(given: string, options: ReplayCommandOptions): Promise<void> {
  const config = loadBrokerConfig(options, 'dlq replay');
  const { admin, close } = await openAdmin(config);
  try {
    const queue = await knownQueue(admin, config, given);
    const present = (await admin.queues([queue]))[0]?.deadLetters ?? 0;
    if (present === 0) return print(`no dead letters in ${queue}`);
    const filter: DeadLetterFilter = { taskId: options.id, task: options.task, reason: options.reason };
    const which = describeFilter(filter);
    const count = options.limit === undefined ? `${present}` : `up to ${Math.min(options.limit, present)} of ${present}`;
    await confirm(which ? `Replay the dead letters of ${queue} with ${which} (of ${present}) as new tasks?` : `Replay ${count} dead letter(s) of ${queue} as new tasks?`, options.yes);
    const progress = progressLine();
    let summary: ReplaySummary;
    try {
      summary = await admin.replay(queue, { filter, limit: options.limit, onProgress: progress.update });
    } catch (error) {
      progress.done();
      if (!(error instanceof ReplayInterruptedError)) throw error;
      report(queue, error.summary, options.json);
      throw new CliError(error.message, EXIT.unavailable);
    }
    progress.done();
    report(queue, summary, options.json);
    if (options.id !== undefined && summary.replayed + summary.skipped === 0) throw new CliError(`No dead letter with task id ${options.id} in ${queue}`, EXIT.failed);
    if (summary.skipped > 0) throw new CliError(`${summary.skipped} dead letter(s) of ${queue} could not be replayed and stay in its dead-letter queue`, EXIT.partial);
  } finally {
    await close();
  }
}

/** `warren dlq purge <queue>`: deletes the dead letters, after a confirmation. */
export async function dlqPurgeCommand(given: string, options: CommonOptions & { yes?: boolean }): Promise<void> {
  const { queue, result: purged } = await withAdmin(options, given, async (admin, queue) => {
    await confirm(`Delete every dead letter of ${queue}?`, options.yes);
    return admin.purge(queue, 'dead');
  });
  if (options.json) printJson({ queue, purged });
  else print(`purged ${purged} dead letter(s) of ${queue}`);
}

/** Runs `work` on the queue the user named (either spelling), once it is known to exist. */
async function withAdmin<T>(options: CommonOptions, given: string, work: (admin: QueueAdmin, queue: string) => Promise<T>): Promise<{ queue: string; result: T }> {
  const config = loadBrokerConfig(options, 'dlq');
  const { admin, close } = await openAdmin(config);
  try {
    const queue = await knownQueue(admin, config, given);
    return { queue, result: await work(admin, queue) };
  } finally {
    await close();
  }
}

function report(queue: string, summary: ReplaySummary, json: boolean | undefined): void {
  if (json) return printJson({ queue, ...summary });
  const lines = [`replayed ${summary.replayed} dead letter(s) of ${queue}`];
  if (summary.skipped > 0) {
    lines.push(`skipped ${summary.skipped} that cannot be replayed (left in the dead-letter queue):`);
    for (const group of summary.skippedReasons) lines.push(`  ${group.count} × ${group.reason} (${group.taskIds.join(', ')}${group.count > group.taskIds.length ? ', …' : ''})`);
  }
  if (summary.remaining !== undefined) lines.push(`${summary.remaining} dead letter(s) remain in ${queue}`);
  print(lines);
}

function describe(entry: DeadLetterEntry): string {
  return [
    `task id      ${entry.taskId ?? '-'}`,
    `task         ${entry.task ?? '-'}`,
    `error        ${entry.errorName ?? '-'}: ${entry.reason ?? '-'}`,
    `attempts     ${entry.attempts ?? '-'}`,
    `first failed ${entry.firstFailureAt ?? '-'}`,
    `dead at      ${entry.deadAt ?? '-'} on ${entry.runtime ?? '-'}`,
    `body         ${entry.body}${entry.bytes > entry.body.length ? ` … (${entry.bytes} bytes)` : ''}`,
    '',
    entry.stack ?? '(no stack)',
  ].join('\n');
}

/** Progress on stderr: one updating line on a terminal, a line every 10 % otherwise; `done` ends it, whatever happened. */
function progressLine(): { update: (progress: { replayed: number; skipped: number; read: number; total: number }) => void; done: () => void } {
  const tty = process.stderr.isTTY === true;
  let lastDecile = 0;
  let open = false;
  return {
    update: ({ replayed, skipped, read, total }) => {
      const text = `read ${read}/${total}: replayed ${replayed}${skipped > 0 ? `, skipped ${skipped}` : ''}`;
      if (tty) {
        process.stderr.write(`\r${text}`);
        open = true;
      } else if (Math.floor((read / total) * 10) > lastDecile) {
        lastDecile = Math.floor((read / total) * 10);
        process.stderr.write(`${text}\n`);
      }
    },
    done: () => {
      if (open) process.stderr.write('\n');
      open = false;
    },
  };
}
