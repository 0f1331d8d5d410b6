import type pino from 'pino';
import type { PrettyOptions } from 'pino-pretty';

const COMMON: PrettyOptions = { colorize: process.stdout.isTTY === true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname,name' };

/** A task run's log line, as queue-consumer.ts writes it: its fields say what the one line shows. */
interface TaskRunLog {
  readonly taskId: string;
  readonly queue: string;
  readonly pool: string;
  readonly thread: number;
  readonly attempt: number;
  readonly outcome: string;
}

function isTaskRun(log: Record<string, unknown>): log is Record<string, unknown> & TaskRunLog {
  return typeof log.taskId === 'string' && typeof log.outcome === 'string' && typeof log.queue === 'string';
}

/**
 * The pretty stream of a terminal: a task run on one line (its message already names the task,
 * outcome, duration and, on failure, the error and the next attempt; the line adds where it ran
 * and its id), where pino-pretty gave each field a line of its own, ten lines a task. Other
 * lines keep their fields below them. Written synchronously, so nothing is lost at exit.
 */
export function prettyLines(): pino.DestinationStream {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { prettyFactory } = require('pino-pretty') as typeof import('pino-pretty'); // on use: JSON logs never load it
  const taskRunLine = prettyFactory({
    ...COMMON,
    hideObject: true,
    messageFormat: (log, messageKey) => {
      const run = log as unknown as TaskRunLog;
      const where = `${run.queue}/${run.pool}${run.thread > 0 ? ` thread ${run.thread}` : ''}${run.attempt > 1 ? ` attempt ${run.attempt}` : ''}`;
      return `${String(log[messageKey])}  (${where}, ${run.taskId})`;
    },
  });
  const otherLine = prettyFactory(COMMON);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const out = (require('pino') as typeof pino).destination({ dest: 1, sync: true });
  return {
    write(line: string) {
      const log = JSON.parse(line) as Record<string, unknown>;
      out.write((isTaskRun(log) ? taskRunLine : otherLine)(log));
    },
  };
}
