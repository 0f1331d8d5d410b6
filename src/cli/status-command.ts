import { formatDuration } from '../format/duration';
import { table } from '../format/table';
import type { TaskDescription, TaskStateChange } from '../runtime/task-description';
import { loadBrokerConfig, openClient, print, printJson, type CommonOptions } from './cli-support';

/** Longer values are cut in the text output; `--json` has them whole. */
const VALUE_LIMIT = 300;

/**
 * `warren status <task-id>`: where a task is (the first line), then what is known of it: its
 * arguments, result or error, timings and every step of its life. Exit code 1 when it failed,
 * was dead-lettered or expired.
 */
export async function statusCommand(taskId: string, options: CommonOptions & { timeout?: number }): Promise<void> {
  const client = await openClient(loadBrokerConfig(options, 'status'), options.timeout);
  try {
    const description = await client.describe(taskId, { timeoutMs: options.timeout });
    if (options.json) printJson(description);
    else print(describeLines(description));
    if (description.state === 'failed' || description.state === 'dead-lettered' || description.state === 'expired') process.exitCode = 1;
  } finally {
    await client.close();
  }
}

/** Pure: a description as `warren status` prints it. */
export function describeLines(description: TaskDescription): string[] {
  const { taskId, state, task, attempt, runtime, nextAttemptAt, error, progress } = description;
  const next = nextAttemptAt ? (state === 'scheduled' ? `, due at ${nextAttemptAt}` : `, next attempt at ${nextAttemptAt}`) : '';
  const why = error ? `: ${error.name}: ${error.message}` : '';
  const progressText = progress === undefined ? '' : `, progress ${JSON.stringify(progress)}`;
  const head = `${taskId} ${state}${task ? ` (${task}` : ''}${attempt ? `, attempt ${attempt}` : ''}${task ? ')' : ''}${runtime ? ` on ${runtime}` : ''}${next}${progressText}${why}`;

  const facts: string[][] = [];
  if (description.queue) facts.push(['queue', `${description.queue}${description.pool ? ` (${description.pool} pool)` : ''}${threadText(description.threadId, ', ')}`]);
  if (description.args !== undefined) facts.push(['args', cut(JSON.stringify(description.args))]);
  if (state === 'succeeded' && 'result' in description) facts.push(['result', cut(JSON.stringify(description.result) ?? 'undefined')]);
  if (description.waitMs !== undefined || description.durationMs !== undefined) {
    facts.push(['timing', [description.waitMs === undefined ? '' : `waited ${formatDuration(description.waitMs)}`, description.durationMs === undefined ? '' : `ran ${formatDuration(description.durationMs)}`].filter(Boolean).join(', ')]);
  }
  if (description.traceId) facts.push(['trace', description.traceId]);
  if (description.source) facts.push(['from', description.source === 'store' ? 'the result store' : 'a runtime']);
  facts.push(['next', description.next]);

  const lines = [head, ...table(facts)];
  if (error?.stack) lines.push('  stack', ...error.stack.split('\n').slice(1, 8).map((line) => `    ${line.trim()}`));
  if (description.history.length > 0) lines.push('  history', ...table(description.history.map(historyRow), '    '));
  return lines;
}

function historyRow(change: TaskStateChange): string[] {
  const where = change.runtime ? `${change.runtime}${threadText(change.threadId, ' ')}` : '';
  const note = change.error ? `${change.error.name}: ${change.error.message}` : change.nextAttemptAt ? `${change.state === 'scheduled' ? 'due' : 'next attempt'} at ${change.nextAttemptAt}` : '';
  return [change.at, change.state, `attempt ${change.attempt}`, where, cut(note)];
}

function threadText(threadId: number | undefined, separator: string): string {
  if (threadId === undefined || threadId < 0) return '';
  return threadId === 0 ? `${separator}main thread` : `${separator}thread ${threadId}`;
}

function cut(text: string): string {
  return text.length > VALUE_LIMIT ? `${text.slice(0, VALUE_LIMIT)}… (${text.length} characters; --json prints it whole)` : text;
}
