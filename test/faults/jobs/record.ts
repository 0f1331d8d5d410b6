import fs from 'node:fs';
import { threadId } from 'node:worker_threads';
import { currentTask } from '../../../src';

/** The env var that names this scenario's record file (set by the suite on each runtime process). */
export const RECORD_FILE_ENV = 'WARREN_FAULT_RECORD';

/** `done`: a task finished its work. `run`: a task started a run that will not finish normally (throws, hangs, crashes). */
export type RecordKind = 'done' | 'run';

/** One line per event, tab-separated: kind, task id, task, attempt, epoch ms, thread id, detail, runtime pid. */
export interface RecordLine {
  readonly kind: RecordKind;
  readonly taskId: string;
  readonly task: string;
  readonly attempt: number;
  readonly at: number;
  readonly threadId: number;
  readonly detail: string;
  /** The runtime process that ran it (several runtimes share a scenario's record file). */
  readonly pid: number;
}

/**
 * Appends what the current task did to the record file, synchronously: once this returns the
 * line is in the file, so it survives a SIGKILL of the runtime a moment later. A line is far
 * below PIPE_BUF, and O_APPEND writes of one line from several threads do not interleave.
 */
export function record(kind: RecordKind, detail = ''): void {
  const file = process.env[RECORD_FILE_ENV];
  if (!file) return;
  const { taskId, task, attempt } = currentTask();
  fs.appendFileSync(file, `${kind}\t${taskId}\t${task}\t${attempt}\t${Date.now()}\t${threadId}\t${detail.replace(/[\t\n]/g, ' ')}\t${process.pid}\n`);
}

export function parseRecordLine(line: string): RecordLine | undefined {
  const [kind, taskId, task, attempt, at, thread, detail, pid] = line.split('\t');
  if ((kind !== 'done' && kind !== 'run') || !taskId || !task) return undefined;
  return { kind, taskId, task, attempt: Number(attempt), at: Number(at), threadId: Number(thread), detail: detail ?? '', pid: Number(pid) };
}
