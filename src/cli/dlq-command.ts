import type { DeadLetterEntry, QueueAdmin } from '../admin/queue-admin';
import { table } from '../format/table';
import { CliError, EXIT, confirm, knownQueue, loadBrokerConfig, openAdmin, print, printJson, type CommonOptions } from './cli-support';

/** `warren dlq list <queue>`: the dead letters, newest reason first, without removing them. */
export async function dlqListCommand(given: string, options: CommonOptions & { limit?: number }): Promise<void> {
  const { queue, result: entries } = await withAdmin(options, given, (admin, queue) => admin.deadLetters(queue, options.limit ?? 50));
  if (options.json) return printJson(entries);
  if (entries.length === 0) return print(`no dead letters in ${queue}`);
  print(table([['TASK ID', 'TASK', 'ATTEMPTS', 'DEAD AT', 'REASON'], ...entries.map((e) => [e.taskId ?? '-', e.task ?? '-', String(e.attempts ?? '-'), e.deadAt ?? '-', `${e.errorName ?? ''}: ${e.reason ?? ''}`.slice(0, 100)])], ''));
}

/** `warren dlq show <queue> <task-id>`: one dead letter in full, with its stack and arguments. */
export async function dlqShowCommand(given: string, taskId: string, options: CommonOptions & { limit?: number }): Promise<void> {
  const { queue, result: entries } = await withAdmin(options, given, (admin, queue) => admin.deadLetters(queue, options.limit ?? 1_000));
  const entry = entries.find((e) => e.taskId === taskId);
  if (!entry) throw new CliError(`No dead letter with task id ${taskId} among the first ${entries.length} of ${queue}`, EXIT.failed);
  if (options.json) return printJson(entry);
  print(describe(entry));
}

/** `warren dlq replay <queue>`: sends dead letters back as fresh tasks, with progress. */
export async function dlqReplayCommand(given: string, options: CommonOptions & { limit?: number; yes?: boolean }): Promise<void> {
  const config = loadBrokerConfig(options, 'dlq replay');
  const { admin, close } = await openAdmin(config);
  try {
    const queue = await knownQueue(admin, config, given);
    const total = Math.min((await admin.queues([queue]))[0]?.deadLetters ?? 0, options.limit ?? Number.POSITIVE_INFINITY);
    if (total === 0) return print(`no dead letters in ${queue}`);
    await confirm(`Replay ${total} dead letter(s) of ${queue} as new tasks?`, options.yes);
    const progress = progressLine(total);
    const replayed = await admin.replay(queue, { limit: total, onProgress: progress.update });
    progress.done();
    if (options.json) printJson({ queue, replayed });
    else print(`replayed ${replayed} dead letter(s) of ${queue}`);
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

/** Progress on stderr: one updating line on a terminal, a line every 10 % otherwise. */
function progressLine(total: number): { update: (done: number) => void; done: () => void } {
  const tty = process.stderr.isTTY === true;
  let lastDecile = 0;
  return {
    update: (done) => {
      if (tty) process.stderr.write(`\rreplayed ${done}/${total}`);
      else if (Math.floor((done / total) * 10) > lastDecile) {
        lastDecile = Math.floor((done / total) * 10);
        process.stderr.write(`replayed ${done}/${total}\n`);
      }
    },
    done: () => {
      if (tty) process.stderr.write('\n');
    },
  };
}
